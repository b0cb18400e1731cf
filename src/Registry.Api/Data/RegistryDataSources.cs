using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// The API's three ways to PostgreSQL (docs/ha.md). <c>ConnectionStrings:Registry</c>, the primary, takes every write
/// and every read a client may just have written (GET by id). <c>ConnectionStrings:RegistryRead</c> (keyed
/// <see cref="Read"/>; the primary when unset) answers analytics, exports and searches, typically from a replica.
/// <c>ConnectionStrings:RegistryDirect</c> (keyed <see cref="Session"/>; the primary when unset) is the session
/// connection the migrator's and seeder's session advisory locks need when the primary string goes through a
/// transaction-mode pooler. Each may be a multi-host string (<c>Host=a,b,c;Target Session Attributes=primary</c>).
/// </summary>
public static class RegistryDataSources
{
    public const string Read = "read";
    public const string Session = "session";

    /// <returns>The primary data source.</returns>
    public static NpgsqlDataSource AddRegistryDataSources(this WebApplicationBuilder builder, string primaryConnectionString)
    {
        var configuration = builder.Configuration;
        var pooler = PoolerMode.From(configuration);
        var direct = configuration.GetConnectionString("RegistryDirect");
        if (pooler.NeedsDirectConnection && string.IsNullOrWhiteSpace(direct))
            throw new StartupConfigurationException(
                "Registry:Database:Pooler is 'pgbouncer-transaction', but ConnectionStrings:RegistryDirect is not set. " +
                "Through a transaction-mode pooler the migrator's and seeder's session advisory locks would be lost " +
                "between statements: set ConnectionStrings:RegistryDirect to a direct connection to the primary " +
                "(e.g. HAProxy's write port), bypassing the pooler.");

        var primary = Build(primaryConnectionString, "registry", configuration, pooler);
        builder.Services.AddSingleton(primary);
        var read = configuration.GetConnectionString("RegistryRead");
        builder.Services.AddKeyedSingleton(Read, string.IsNullOrWhiteSpace(read)
            ? primary : Build(read, "registry-read", configuration, PoolerMode.None));
        builder.Services.AddKeyedSingleton(Session, string.IsNullOrWhiteSpace(direct)
            ? primary : Build(direct, "registry-session", configuration, PoolerMode.None));
        return primary;
    }

    /// <summary>True when a separate read connection string is configured (not falling back to the primary).</summary>
    public static bool HasSeparateRead(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString("RegistryRead"));

    private static NpgsqlDataSource Build(string connectionString, string name, IConfiguration configuration, PoolerMode pooler)
    {
        var source = new NpgsqlDataSourceBuilder(connectionString);
        var settings = source.ConnectionStringBuilder;
        // One heavy query must not hold the database: PostgreSQL cancels statements running longer than this
        // (answered as 503), unless the connection string already sets a statement_timeout. A pooler does not
        // pass startup options on: behind one, set it on the database (ALTER DATABASE ... SET statement_timeout).
        var timeout = configuration.GetValue("Registry:Database:StatementTimeoutSeconds", 30);
        if (pooler == PoolerMode.None && settings.Options?.Contains("statement_timeout") != true)
            settings.Options = $"{settings.Options} -c statement_timeout={timeout * 1000}".Trim();
        // Measured (docs/performance.md, tuning variants): server-side prepared statements for the hot queries gave
        // GET /cases/{id} +27-65% at 32 clients. A connection string that sets Max Auto Prepare itself wins.
        if (!connectionString.Replace(" ", "").Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
            (settings.MaxAutoPrepare, settings.AutoPrepareMinUsages) = (64, 2);
        pooler.Apply(connectionString, settings);
        // Npgsql's metrics (db_client_*, on /metrics) name the pool by this rather than by the connection string.
        source.Name = name;
        return source.Build();
    }
}
