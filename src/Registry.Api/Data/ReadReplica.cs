using Npgsql;
using Registry.Api.Security;

namespace Registry.Api.Data;

/// <summary>The PostgreSQL server a data source reaches: its address as the server sees it, and its role.</summary>
public sealed record DatabaseNode(string? Address, int? Port, bool IsStandby)
{
    public static async Task<DatabaseNode> OfAsync(CallerDataSource dataSource, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT host(inet_server_addr()), inet_server_port(), pg_is_in_recovery()"));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new DatabaseNode(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetBoolean(2));
    }

    public override string ToString() => $"{Address ?? "local socket"}:{Port}{(IsStandby ? " (standby)" : " (primary)")}";
}

/// <summary>
/// Start-up checks of the read connection string: a separate <c>ConnectionStrings:RegistryRead</c> is there to take
/// reads off the primary, so reaching a primary through it is a misconfiguration (a wrong port, a read string
/// copied from the write one) and stops the start-up, unless <c>Registry:Database:ReadMayBePrimary</c> is true
/// (e.g. <c>Target Session Attributes=prefer-standby</c> on a cluster that may have no standby left).
/// </summary>
public static class ReadReplica
{
    public const string MayBePrimarySetting = "Registry:Database:ReadMayBePrimary";

    public static async Task CheckAsync(IServiceProvider services, IConfiguration configuration, ILogger logger, CancellationToken ct)
    {
        if (!RegistryDataSources.HasSeparateRead(configuration)) return;
        var read = services.GetRequiredKeyedService<RegistryConnections>(RegistryDataSources.Read).For(Caller.System);
        var node = await CaughtUpNodeAsync(read, logger, ct);
        if (!node.IsStandby && !configuration.GetValue(MayBePrimarySetting, false))
            throw new StartupConfigurationException(
                $"ConnectionStrings:RegistryRead reaches a primary ({node}), but a separate read connection string is meant " +
                "for a replica (HAProxy's read port, or Target Session Attributes=standby/prefer-standby). Point it at a " +
                $"replica, remove it to read from the primary, or set {MayBePrimarySetting}=true to accept a primary.");
        logger.LogInformation("Analytics, exports and searches read from {Node}", node);
    }

    private static readonly TimeSpan CatchUpWithin = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The read node, once it has replayed what start-up just did on the primary: a replica that lags (the database or
    /// the migrations' caller procedure not there yet) is waited for, up to a minute, and is no misconfiguration.
    /// </summary>
    private static async Task<DatabaseNode> CaughtUpNodeAsync(CallerDataSource read, ILogger logger, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + CatchUpWithin;
        while (true)
        {
            try
            {
                return await DatabaseNode.OfAsync(read, ct);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedFunction
                                               && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("The read replica has not caught up with the primary yet ({Message}); waiting", ex.MessageText);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }
}
