using Npgsql;
using NpgsqlTypes;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Audit;

/// <summary>
/// Records reads of whole cases in the audit trail: one round trip per thousand reads, committed with
/// synchronous_commit off. A read changes nothing, so its audit row need not wait for a WAL flush (PostgreSQL
/// still flushes it within a fraction of a second); a crash in that window can lose read rows, never a write's,
/// which commit with the change itself.
/// </summary>
public sealed class CaseReads(CallerDataSource dataSource, Caller caller, string? requestId) : IAsyncDisposable
{
    private const int Batch = 1000;
    private readonly List<Guid> _ids = new(Batch);
    private readonly List<int> _versions = new(Batch);

    public async ValueTask AddAsync(Guid caseId, int version, CancellationToken ct)
    {
        _ids.Add(caseId);
        _versions.Add(version);
        if (_ids.Count >= Batch) await FlushAsync(ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_ids.Count == 0) return;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
            SELECT now(), $1, $2, $3, $4, 'read', 'case', r.id::text, r.version, r.version
            FROM unnest($5::uuid[], $6::int[]) AS r(id, version)
            """);
        AddReader(insert, caller, requestId);
        insert.Parameters.Add(new NpgsqlParameter { Value = _ids.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = _versions.ToArray() });
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await dataSource.ExecuteNonQueryAsync(batch, ct);
        _ids.Clear();
        _versions.Clear();
    }

    public async ValueTask DisposeAsync() => await FlushAsync(CancellationToken.None);

    /// <summary>
    /// Who read, as the command's next four parameters (request id, key, role, hospital), in the order of the
    /// audit_log columns request_id, api_key_id, role, hospital_id; for every statement that audits reads.
    /// </summary>
    public static void AddReader(NpgsqlBatchCommand command, Caller caller, string? requestId)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)requestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)caller.KeyId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = caller.AuditRole, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)caller.HospitalId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
    }
}
