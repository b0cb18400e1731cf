using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.CaseChildren;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Api.Cases;

/// <summary>
/// Reads whole cases — each case with its diagnostics, medications and outcomes — in one round trip: one batch of
/// hand-written SELECTs instead of EF's split query (four round trips), which made GET /cases/{id} several times
/// slower than the reads themselves. A hospital caller sees only its own hospital's rows: the connection is bound
/// to the caller, and PostgreSQL's row-level security confines it (migration 0030). Each table's columns are read by
/// its column map (<see cref="Tables"/>); a test in CaseReadTests compares the result with what EF loads.
/// </summary>
public static class WholeCases
{
    /// <summary>
    /// The cases among <paramref name="ids"/> the caller may see, read in one round trip on a connection of its own,
    /// each read recorded in the audit trail before this returns. The audit row names the version the caller got; a
    /// case the caller may not see gets none. The rows are group-committed with other requests' reads
    /// (<see cref="ReadAuditQueue"/>), with synchronous_commit off like every read audit (see Audit.CaseReads).
    /// </summary>
    /// <param name="alsoRead">More rows of the same cases to read in the same round trip and transaction.</param>
    public static Task<List<Case>> ReadAuditedAsync(
        CallerDataSource dataSource, IReadOnlyCollection<Guid> ids, Caller caller, string? requestId, CancellationToken ct,
        AlsoRead? alsoRead = null) =>
        ReadAuditedAsync(dataSource, RowSource.Live, ids, null, caller, requestId, alsoRead, ct);

    /// <summary>
    /// Version <paramref name="version"/> of each of the cases among <paramref name="ids"/> the caller may see, as
    /// stored in case_versions when it was written (a deletion has no case to read), audited like a read of the case.
    /// </summary>
    public static Task<List<Case>> ReadVersionAuditedAsync(
        CallerDataSource dataSource, IReadOnlyCollection<Guid> ids, int version, Caller caller, string? requestId, CancellationToken ct,
        AlsoRead? alsoRead = null) =>
        ReadAuditedAsync(dataSource, RowSource.Stored, ids, version, caller, requestId, alsoRead, ct);

    /// <summary>
    /// SELECTs to run after the cases' own, in their round trip and transaction, and how to read their result sets
    /// (one per SELECT, in order). Each SELECT gets the case ids as $1 and may name the cases it reads as
    /// <c>{cases}</c>: the live table, or the stored version's rows.
    /// </summary>
    public sealed record AlsoRead(IReadOnlyList<string> Selects, Func<NpgsqlDataReader, CancellationToken, Task> ReadAsync);

    private static async Task<List<Case>> ReadAuditedAsync(CallerDataSource dataSource, RowSource source, IReadOnlyCollection<Guid> ids,
        int? version, Caller caller, string? requestId, AlsoRead? alsoRead, CancellationToken ct)
    {
        // A read of the live cases among few in flight writes its own audit row in the transaction of its SELECTs (one
        // round trip); under more load, and for stored versions, the row is group-committed (Data/ReadAuditQueue).
        // Either way the read is answered only after its row is committed.
        using var turn = dataSource.ReadAudits.BeginRead();
        var ownRow = turn.WritesOwnRow && source == RowSource.Live;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ownRow ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
        if (ownRow) batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(GenericPlans));
        AddSelects(batch, source, ids, version, alsoRead?.Selects.Select(sql => sql.Replace("{cases}", source.Cases)));
        if (ownRow) batch.BatchCommands.Add(LiveReadAuditRows(ids, caller, requestId));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        var cases = await ReadAsync(dataSource.ExecuteReaderAsync(batch, ct), alsoRead, ct);
        if (!ownRow) await dataSource.ReadAudits.RecordAsync(caller, requestId, [.. cases.Select(c => (c.Id, c.Version))]);
        return cases;
    }

    /// <summary>The audit rows of a read of live cases, one per case it returns, stamped with the reader.</summary>
    private static NpgsqlBatchCommand LiveReadAuditRows(IReadOnlyCollection<Guid> ids, Caller caller, string? requestId)
    {
        var audit = new NpgsqlBatchCommand($"""
            INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
            SELECT now(), $2, $3, $4, $5, 'read', 'case', id::text, version, version FROM cases WHERE {Visible}
            """);
        AddScope(audit, ids);
        Audit.CaseReads.AddReader(audit, caller, requestId);
        return audit;
    }

    /// <summary>
    /// The cases among <paramref name="ids"/> the context's caller may see, not audited: for answering a write with
    /// what it stored. On the context's own connection, so it sees what the context's open transaction wrote (an
    /// idempotent POST commits only after its response is stored; see Idempotency.IdempotentCreates).
    /// </summary>
    public static async Task<List<Case>> ReadAsync(RegistryDb db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var callers = db.Database.CurrentTransaction;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // Reopening a dead connection drops the caller's transaction: reading outside it would miss its writes.
            if (callers is not null) TransactionLostException.ThrowIfLost(db.Database, callers);
            await using var batch = ((NpgsqlConnection)db.Database.GetDbConnection()).CreateBatch();
            var ownTransaction = callers is null;
            // Inside the caller's transaction the summary columns (final outcome, drugs) are not refreshed until commit
            // (migration 0014): run those deferred triggers now, so the answer shows what the commit will store.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(ownTransaction ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "SET CONSTRAINTS ALL IMMEDIATE"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(GenericPlans));
            AddSelects(batch, RowSource.Live, ids, null);
            if (ownTransaction) batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            return await ReadAsync(batch.ExecuteReaderAsync(ct), null, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// PostgreSQL would otherwise plan these statements afresh on every read (a plan for the given ids looks cheaper
    /// than the cached generic one), and planning cost more than running them; the generic plans are the same index
    /// scans. For the rest of the transaction only.
    /// </summary>
    private const string GenericPlans = "SET LOCAL plan_cache_mode = force_generic_plan";

    /// <summary>$1: the case ids (which of them the caller may see is row-level security's business).</summary>
    private const string Visible = "id = ANY($1)";
    private const string VisibleChildren = "case_id = ANY($1)";

    /// <summary>
    /// Where a case's rows are read from: the live tables, or one version of each case as case_versions stored it
    /// (its snapshot's rows put back into the tables' row types, so the same columns read the same way).
    /// The version is the last parameter of each statement ($2).
    /// </summary>
    private sealed record RowSource(string Cases, string Diagnostics, string Medications, string Outcomes)
    {
        public static readonly RowSource Live = new("cases", "diagnostics", "medications", "outcomes");

        public static readonly RowSource Stored = new(
            "(SELECT r.* FROM case_versions v, jsonb_populate_record(NULL::cases, v.snapshot->'case') r WHERE v.case_id = ANY($1) AND v.version = $2) cases",
            Children("diagnostics"), Children("medications"), Children("outcomes"));

        private static string Children(string table) =>
            $"(SELECT r.* FROM case_versions v, jsonb_populate_recordset(NULL::{table}, v.snapshot->'{table}') r WHERE v.case_id = ANY($1) AND v.version = $2) {table}";
    }

    private static void AddSelects(NpgsqlBatch batch, RowSource source, IReadOnlyCollection<Guid> ids, int? version, IEnumerable<string>? more = null)
    {
        foreach (var sql in new[]
                 {
                     $"SELECT {Tables.Cases.ColumnList} FROM {source.Cases} WHERE {Visible}",
                     $"SELECT {Tables.Diagnostics.ColumnList} FROM {source.Diagnostics} WHERE {VisibleChildren}",
                     $"SELECT {Tables.Medications.ColumnList} FROM {source.Medications} WHERE {VisibleChildren}",
                     $"SELECT {Tables.Outcomes.ColumnList} FROM {source.Outcomes} WHERE {VisibleChildren}",
                 }.Concat(more ?? []))
        {
            var command = new NpgsqlBatchCommand(sql);
            AddScope(command, ids);
            if (version is not null) command.Parameters.Add(new NpgsqlParameter { Value = version.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            batch.BatchCommands.Add(command);
        }
    }

    private static void AddScope(NpgsqlBatchCommand command, IReadOnlyCollection<Guid> ids)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = ids as Guid[] ?? ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
    }

    /// <summary>The running batch's result sets: the cases, then their diagnostics, medications and outcomes, then those of <paramref name="alsoRead"/>.</summary>
    private static async Task<List<Case>> ReadAsync(Task<NpgsqlDataReader> executing, AlsoRead? alsoRead, CancellationToken ct)
    {
        await using var reader = await executing;
        var cases = new Dictionary<Guid, Case>();
        while (await reader.ReadAsync(ct))
        {
            var read = Tables.Cases.Read(reader);
            cases.Add(read.Id, read);
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) AddTo(cases, Tables.Diagnostics.Read(reader), (c, d) => c.Diagnostics.Add(d));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) AddTo(cases, Tables.Medications.Read(reader), (c, m) => c.Medications.Add(m));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) AddTo(cases, Tables.Outcomes.Read(reader), (c, o) => c.Outcomes.Add(o));
        if (alsoRead is not null) await alsoRead.ReadAsync(reader, ct);
        // Runs what follows the SELECTs (the COMMIT).
        while (await reader.NextResultAsync(ct)) { }
        return [.. cases.Values];
    }

    private static void AddTo<T>(Dictionary<Guid, Case> cases, T child, Action<Case, T> add) where T : ICaseChild
    {
        if (cases.TryGetValue(child.CaseId, out var owner)) add(owner, child);
    }
}
