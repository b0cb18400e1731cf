using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Registry.Api.Common;

namespace Registry.Api.Data;

public static class DatabaseSetup
{
    /// <summary>
    /// The request data sources (Data/RegistryDataSources: the primary, and the read one), shared by EF Core (pooled
    /// contexts) and hand-written SQL, each connection bound to its caller for row-level security, as the
    /// registry_api role. Migrations use the owner's connection string instead (Startup/DatabaseStartup).
    /// </summary>
    public static void AddRegistryDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Registry");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                "No database configured. Set ConnectionStrings__Registry, or start the API with ./run.sh, " +
                "which sets up a local PostgreSQL by itself.");

        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var dataSource = builder.AddRegistryDataSources(connectionString);
        // Every registered EF interceptor: the caller binding below, and what features add (Audit's stamping).
        builder.Services.AddSingleton<IInterceptor, CallerConnectionInterceptor>();
        builder.Services.AddPooledDbContextFactory<RegistryDb>((services, options) => options
            .UseNpgsql(dataSource, npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 3))
            .AddInterceptors(services.GetServices<IInterceptor>()));
        // Contexts come from the pool, stamped with the request's caller: its row-level security and audit identity.
        builder.Services.AddScoped(services =>
        {
            var db = services.GetRequiredService<IDbContextFactory<RegistryDb>>().CreateDbContext();
            var http = services.GetService<IHttpContextAccessor>()?.HttpContext;
            db.Caller = services.GetRequiredService<Caller>();
            db.RequestId = http is null ? null : RequestIds.Of(http);
            return db;
        });
    }
}
