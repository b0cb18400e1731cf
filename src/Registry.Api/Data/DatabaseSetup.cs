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
        var dataSource = builder.AddRegistryDataSources(connectionString);
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
        builder.Services.AddScoped(services => Caller.Current(services.GetRequiredService<IHttpContextAccessor>()));
        builder.Services.AddScoped(services => Analytics.SmallCells.For(
            services.GetRequiredService<Caller>(), builder.Configuration, builder.Environment));
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

        await ReadReplica.CheckAsync(app.Services, app.Configuration, logger, app.Lifetime.ApplicationStopping);
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SeedLoader>().LoadAsync(app.Lifetime.ApplicationStopping);
        await scope.ServiceProvider.GetRequiredService<KeyBootstrap>().EnsureKeysAsync(app.Lifetime.ApplicationStopping);
    }
}
