using Npgsql;
using NpgsqlTypes;
using Registry.Api.Common;
using Registry.Api.Security;

namespace Registry.Api.Audit;

/// <summary>
/// Audits the cases a streaming export reads: buffered and written a thousand rows per INSERT, so exporting a
/// million cases records a million reads without a round trip per case.
/// </summary>
public sealed class BulkReads(NpgsqlDataSource dataSource, Caller caller, string? requestId) : IAsyncDisposable
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
        await using var command = dataSource.CreateCommand("""
            INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
            SELECT now(), $1, $2, $3, $4, 'read', 'case', r.id::text, r.version, r.version
            FROM unnest($5::uuid[], $6::int[]) AS r(id, version)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)requestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)caller.KeyId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = caller.KeyId is null ? "system" : caller.Role.ToCode() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)caller.HospitalId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = _ids.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = _versions.ToArray() });
        await command.ExecuteNonQueryAsync(ct);
        _ids.Clear();
        _versions.Clear();
    }

    public async ValueTask DisposeAsync() => await FlushAsync(CancellationToken.None);
}
