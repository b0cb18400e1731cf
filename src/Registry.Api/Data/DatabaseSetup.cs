using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Security;
using Registry.Api.Seeding;

namespace Registry.Api.Data;

public static class DatabaseSetup
{
    /// <summary>One NpgsqlDataSource for the process, shared by EF Core (pooled contexts) and hand-written SQL.</summary>
    public static void AddRegistryDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Registry");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                "No database configured. Set ConnectionStrings__Registry, or start the API with ./run.sh, " +
                "which sets up a local PostgreSQL by itself.");

        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var source = new NpgsqlDataSourceBuilder(connectionString);
        // One heavy query must not hold the database: PostgreSQL cancels statements running longer than this
        // (answered as 503), unless the connection string already sets a statement_timeout.
        var timeout = builder.Configuration.GetValue("Registry:Database:StatementTimeoutSeconds", 30);
        if (source.ConnectionStringBuilder.Options?.Contains("statement_timeout") != true)
            source.ConnectionStringBuilder.Options = $"{source.ConnectionStringBuilder.Options} -c statement_timeout={timeout * 1000}".Trim();
        // Measured (docs/performance.md, tuning variants): server-side prepared statements for the hot queries gave
        // GET /cases/{id} +27-65% at 32 clients. A connection string that sets Max Auto Prepare itself wins.
        if (!connectionString.Replace(" ", "").Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
            (source.ConnectionStringBuilder.MaxAutoPrepare, source.ConnectionStringBuilder.AutoPrepareMinUsages) = (64, 2);
        // Npgsql's metrics (db_client_*, on /metrics) name the pool by this rather than by the connection string.
        source.Name = "registry";
        var dataSource = source.Build();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddPooledDbContextFactory<RegistryDb>(options => options
            .UseNpgsql(dataSource, npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 3)));
        // Contexts come from the pool, stamped with the request's caller: its tenancy filters and audit identity.
        builder.Services.AddScoped(services =>
        {
            var db = services.GetRequiredService<IDbContextFactory<RegistryDb>>().CreateDbContext();
            var http = services.GetService<IHttpContextAccessor>()?.HttpContext;
            db.Caller = services.GetRequiredService<Caller>();
            db.RequestId = http is null ? null : RequestIds.Of(http);
            return db;
        });
    }

    /// <summary>Applies migrations and loads the seed cases, waiting briefly for a database still starting up.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILogger<Migrator>>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await app.Services.GetRequiredService<Migrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
                break;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < 15)
            {
                logger.LogWarning("Database not reachable yet ({Message}); retrying in 2 s", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), app.Lifetime.ApplicationStopping);
            }
        }

        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SeedLoader>().LoadAsync(app.Lifetime.ApplicationStopping);
        await scope.ServiceProvider.GetRequiredService<KeyBootstrap>().EnsureKeysAsync(app.Lifetime.ApplicationStopping);
    }
}
