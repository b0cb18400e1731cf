using System.Data;
using System.Data.Common;
using Dapper;
using Npgsql;
using Registry.Api.Data;

namespace Registry.Api.Exports;

/// <summary>A case deleted since an incremental export's cursor.</summary>
public sealed record Tombstone(Guid Id, Guid HospitalId, DateTimeOffset DeletedAt);

/// <summary>
/// What an export reads, and the cursor it ends with, from one REPEATABLE READ transaction: in such a transaction
/// pg_current_snapshot() is the transaction's own snapshot, so the cursor (known before the first row is sent, hence
/// a response header) describes exactly the data sent. A case changed "since" a cursor when a transaction that wrote
/// one of its versions (case_versions.recorded_by, migration 0032) was not visible in the cursor's snapshot; every
/// version this transaction reads was written by one visible in its own snapshot. So each committed write lands in
/// exactly one answer of a chain of cursors, whatever order transactions began and committed in: a long transaction
/// that began before a cursor was taken and committed after it is in that cursor's in-progress list, so the next
/// answer has it. A timestamp cannot tell that (now() is the transaction's start, its rows appear at its commit).
/// </summary>
public sealed class ChangeFeed : IAsyncDisposable
{
    /// <summary>Written by a transaction the cursor did not see; the first test is case_versions_recorded_by's range (0042).</summary>
    private const string WrittenSince =
        "recorded_by >= pg_snapshot_xmin(@since::pg_snapshot) AND NOT pg_visible_in_snapshot(recorded_by, @since::pg_snapshot)";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string? _since;

    private ChangeFeed(NpgsqlConnection connection, NpgsqlTransaction transaction, string? since, string next) =>
        (_connection, _transaction, _since, Next) = (connection, transaction, since, next);

    /// <summary>The cursor the next export passes as <c>since</c>: this transaction's snapshot.</summary>
    public string Next { get; }

    /// <summary>A <c>since</c> was given (0 included): the answer ends with a trailer and carries tombstones.</summary>
    public bool Incremental => _since is not null;

    /// <summary>Only what changed since a real cursor (not 0, which means everything).</summary>
    private bool Delta => _since is not null && _since != ExportCursor.Origin;

    /// <summary>
    /// The cases to send, as a FROM item aliased <c>c</c>: every case, or those with a version written since the
    /// cursor (each once, however many versions it got), in the state this snapshot sees.
    /// </summary>
    public string Cases => Delta
        ? $"(SELECT DISTINCT case_id FROM case_versions WHERE {WrittenSince}) changed JOIN cases c ON c.id = changed.case_id"
        : "cases c";

    /// <param name="since">A cursor <see cref="ExportCursor.IsValid"/> accepts, 0, or null for a plain export.</param>
    public static async Task<ChangeFeed> OpenAsync(CallerDataSource dataSource, string? since, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var next = await connection.QuerySingleAsync<string>(
                new CommandDefinition("SELECT pg_current_snapshot()::text", transaction: transaction, cancellationToken: ct));
            return new ChangeFeed(connection, transaction, since, next);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="sql"/> (which may use <see cref="Cases"/>) in this snapshot, streaming its rows.</summary>
    public Task<DbDataReader> ReadAsync(string sql, DynamicParameters parameters, CancellationToken ct) =>
        _connection.ExecuteReaderAsync(Command(sql, parameters, ct), CommandBehavior.SequentialAccess);

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, DynamicParameters parameters, CancellationToken ct) =>
        _connection.QueryAsync<T>(Command(sql, parameters, ct));

    /// <summary>
    /// The cases deleted since the cursor that the caller could see (row-level security), oldest deletion first;
    /// none for a plain export or since=0 (there is nothing to delete yet). Deletions are few, so they are read whole.
    /// </summary>
    public async Task<List<Tombstone>> TombstonesAsync(CancellationToken ct)
    {
        if (!Delta) return [];
        var rows = await QueryAsync<(Guid Id, Guid HospitalId, DateTime DeletedAt)>($"""
            SELECT case_id, hospital_id, recorded_at FROM case_versions
            WHERE deleted AND {WrittenSince}
            ORDER BY recorded_at, case_id
            """, new DynamicParameters(), ct);
        return rows.Select(r => new Tombstone(r.Id, r.HospitalId, new DateTimeOffset(DateTime.SpecifyKind(r.DeletedAt, DateTimeKind.Utc)))).ToList();
    }

    private CommandDefinition Command(string sql, DynamicParameters parameters, CancellationToken ct)
    {
        if (Delta) parameters.Add("since", _since);
        return new CommandDefinition(sql, parameters, _transaction, cancellationToken: ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
