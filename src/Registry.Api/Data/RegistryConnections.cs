using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// The only way to the request role's <see cref="NpgsqlDataSource"/> outside EF Core: every connection and batch it
/// hands out first tells PostgreSQL who the caller is (<see cref="CallerSettings"/>). Not registered itself, so no
/// code can reach the database without a caller.
/// </summary>
/// <param name="readAudits">
/// Where reads of whole cases are audited: the primary's queue, also for a replica's connections (the audit trail is
/// written on the primary). When null, a queue on <paramref name="dataSource"/>.
/// </param>
public sealed class RegistryConnections(NpgsqlDataSource dataSource, ReadAuditQueue? readAudits = null)
{
    public ReadAuditQueue ReadAudits { get; } = readAudits ?? new ReadAuditQueue(dataSource);

    public CallerDataSource For(Caller caller) => new(dataSource, caller, ReadAudits);

    /// <summary>Closes the idle pooled connections, so the next ones are opened anew (e.g. on another node after a failover).</summary>
    public void Clear() => dataSource.Clear();
}

/// <summary>The request's connections: what hand-written SQL (Dapper, batches, COPY) opens, bound to its caller.</summary>
public sealed class CallerDataSource(NpgsqlDataSource dataSource, Caller caller, ReadAuditQueue readAudits)
{
    /// <summary>Where reads of whole cases are audited (on the primary, group-committed).</summary>
    public ReadAuditQueue ReadAudits => readAudits;

    /// <param name="ct">Cancels the open.</param>
    /// <param name="planEachCall">
    /// For SQL whose best plan depends on its parameters' values: the filters of a list, a search or an analysis.
    /// PostgreSQL then plans each execution for its values. Otherwise, after five runs of a prepared statement it may
    /// switch to a generic plan costed for unknown values, which was measured 2–15× slower for selective filters
    /// (docs/performance.md, "Generic plans"). The setting ends with the connection's return to the pool.
    /// </param>
    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct, bool planEachCall = false)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await CallerSettings.ApplyAsync(connection, caller, ct, planEachCall);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A batch on a connection of its own, opened when it runs; its first statements set the caller (no extra round
    /// trip). Run it with <see cref="ExecuteReaderAsync"/> or <see cref="ExecuteNonQueryAsync"/>, which send it again
    /// on a fresh connection when the pooled one turns out dead (<see cref="CallerSettings.DiedInPool(NpgsqlException, NpgsqlBatch)"/>).
    /// </summary>
    public NpgsqlBatch CreateBatch()
    {
        var batch = dataSource.CreateBatch();
        CallerSettings.Prepend(batch, caller);
        return batch;
    }

    public Task<NpgsqlDataReader> ExecuteReaderAsync(NpgsqlBatch batch, CancellationToken ct) =>
        RetriedIfDeadAsync(batch, () => batch.ExecuteReaderAsync(ct));

    public Task<int> ExecuteNonQueryAsync(NpgsqlBatch batch, CancellationToken ct) =>
        RetriedIfDeadAsync(batch, () => batch.ExecuteNonQueryAsync(ct));

    private async Task<T> RetriedIfDeadAsync<T>(NpgsqlBatch batch, Func<Task<T>> run)
    {
        try
        {
            return await run();
        }
        catch (NpgsqlException ex) when (CallerSettings.DiedInPool(ex, batch))
        {
            dataSource.Clear(); // its other idle connections are most likely gone the same way
            return await run();
        }
    }
}
