using Npgsql;
using Registry.Api.Security;

namespace Registry.Api.Data;

/// <summary>
/// The API's ways to PostgreSQL for requests (docs/ha.md), each handed out only bound to a caller
/// (<see cref="RegistryConnections"/>, for row-level security). <c>ConnectionStrings:Registry</c>, the primary, takes
/// every write and every read a client may just have written (GET by id). <c>ConnectionStrings:RegistryRead</c> (keyed
/// <see cref="Read"/>; the primary when unset) answers analytics, exports and searches, typically from a replica.
/// Each may be a multi-host string (<c>Host=a,b,c;Target Session Attributes=primary</c>). Start-up (migrations, the
/// start-up lock) uses the owner's connection instead (Startup/DatabaseStartup).
/// </summary>
public static class RegistryDataSources
{
    public const string Read = "read";

    /// <returns>The primary data source, for EF Core.</returns>
    public static NpgsqlDataSource AddRegistryDataSources(this WebApplicationBuilder builder, string primaryConnectionString)
    {
        var configuration = builder.Configuration;
        PoolerMode.Check(configuration);
        var primary = Build(primaryConnectionString, "registry", configuration);
        var primaryConnections = new RegistryConnections(primary);
        builder.Services.AddSingleton(primaryConnections);
        var read = configuration.GetConnectionString("RegistryRead");
        builder.Services.AddKeyedSingleton(Read, string.IsNullOrWhiteSpace(read)
            ? primaryConnections : new RegistryConnections(Build(read, "registry-read", configuration), primaryConnections.ReadAudits));
        builder.Services.AddScoped(services => services.GetRequiredService<RegistryConnections>().For(services.GetRequiredService<Caller>()));
        builder.Services.AddKeyedScoped(Read, (services, _) =>
            services.GetRequiredKeyedService<RegistryConnections>(Read).For(services.GetRequiredService<Caller>()));
        return primary;
    }

    /// <summary>True when a separate read connection string is configured (not falling back to the primary).</summary>
    public static bool HasSeparateRead(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString("RegistryRead"));

    private static NpgsqlDataSource Build(string connectionString, string name, IConfiguration configuration)
    {
        var source = new NpgsqlDataSourceBuilder(connectionString);
        var settings = source.ConnectionStringBuilder;
        // One heavy query must not hold the database: PostgreSQL cancels statements running longer than this
        // (answered as 503), unless the connection string already sets a statement_timeout.
        var timeout = configuration.GetValue("Registry:Database:StatementTimeoutSeconds", 30);
        if (settings.Options?.Contains("statement_timeout") != true)
            settings.Options = $"{settings.Options} -c statement_timeout={timeout * 1000}".Trim();
        // Measured (docs/performance.md, tuning variants): server-side prepared statements for the hot queries gave
        // GET /cases/{id} +27-65% at 32 clients. A connection string that sets Max Auto Prepare itself wins.
        if (!connectionString.Replace(" ", "").Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
            (settings.MaxAutoPrepare, settings.AutoPrepareMinUsages) = (64, 2);
        // A pooled connection must forget its last caller (Data/CallerSettings): always reset on close.
        settings.NoResetOnClose = false;
        // Npgsql's metrics (db_client_*, on /metrics) name the pool by this rather than by the connection string.
        source.Name = name;
        return source.Build();
    }
}
