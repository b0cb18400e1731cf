using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Security;

namespace Registry.Api.Data;

public static class DatabaseSetup
{
    /// <summary>
    /// One NpgsqlDataSource for the process's requests (the registry_api role), shared by EF Core (pooled contexts)
    /// and hand-written SQL, each connection bound to its caller for row-level security. Migrations use the owner's
    /// connection string instead (Startup/DatabaseStartup).
    /// </summary>
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
        // A pooled connection must forget its last caller (Security/CallerSettings): always reset on close.
        source.ConnectionStringBuilder.NoResetOnClose = false;
        // Npgsql's metrics (db_client_*, on /metrics) name the pool by this rather than by the connection string.
        source.Name = "registry";
        var dataSource = source.Build();
        builder.Services.AddSingleton(new RegistryConnections(dataSource));
        builder.Services.AddSingleton<AuditStamping>();
        builder.Services.AddPooledDbContextFactory<RegistryDb>((services, options) => options
            .UseNpgsql(dataSource, npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 3))
            .AddInterceptors(new CallerConnectionInterceptor(), services.GetRequiredService<AuditStamping>()));
        // Contexts come from the pool, stamped with the request's caller: its row-level security and audit identity.
        builder.Services.AddScoped(services =>
        {
            var db = services.GetRequiredService<IDbContextFactory<RegistryDb>>().CreateDbContext();
            var http = services.GetService<IHttpContextAccessor>()?.HttpContext;
            db.Caller = services.GetRequiredService<Caller>();
            db.RequestId = http is null ? null : RequestIds.Of(http);
            return db;
        });
        builder.Services.AddScoped(services => Caller.Current(services.GetRequiredService<IHttpContextAccessor>()));
        builder.Services.AddScoped(services => services.GetRequiredService<RegistryConnections>().For(services.GetRequiredService<Caller>()));
        builder.Services.AddScoped(services => Analytics.SmallCells.For(
            services.GetRequiredService<Caller>(), builder.Configuration, builder.Environment));
    }
}
