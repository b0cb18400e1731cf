using Npgsql;
using NpgsqlTypes;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Audit;

/// <summary>
/// Records reads of whole cases in the audit trail (lists, exports): a thousand reads at a time, handed to the
/// group commit of read audits (<see cref="ReadAuditQueue"/>), which commits them with synchronous_commit off. A read
/// changes nothing, so its audit row need not wait for a WAL flush (PostgreSQL still flushes it within a fraction of a
/// second); a crash in that window can lose read rows, never a write's, which commit with the change itself.
/// </summary>
public sealed class CaseReads(CallerDataSource dataSource, Caller caller, string? requestId) : IAsyncDisposable
{
    private const int Batch = 1000;
    private readonly List<(Guid CaseId, int Version)> _reads = new(Batch);

    public async ValueTask AddAsync(Guid caseId, int version, CancellationToken ct)
    {
        _reads.Add((caseId, version));
        if (_reads.Count >= Batch) await FlushAsync(ct);
    }

    /// <summary>Completes when the rows are committed; a read is not answered before that.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_reads.Count == 0) return;
        await dataSource.ReadAudits.RecordAsync(caller, requestId, [.. _reads]);
        _reads.Clear();
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
