using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Audit;

namespace Registry.Api.Data;

/// <summary>
/// Stores the audit rows of a save in one INSERT, in the save's own transaction. As EF Core entities they were one
/// INSERT … RETURNING id each: about 14 for a whole-case POST, more for a PUT (docs/performance.md).
/// </summary>
public static class AuditRows
{
    private const string InsertSql = """
        INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[])
        """;

    public static async Task InsertAsync(RegistryDb db, IReadOnlyList<AuditEntry> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var command = new NpgsqlCommand(InsertSql, connection, (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction())
        {
            Parameters =
            {
                Array(rows, r => r.At, NpgsqlDbType.TimestampTz), Array(rows, r => r.RequestId, NpgsqlDbType.Text),
                Array(rows, r => r.ApiKeyId, NpgsqlDbType.Uuid), Array(rows, r => r.Role, NpgsqlDbType.Text),
                Array(rows, r => r.HospitalId, NpgsqlDbType.Uuid), Array(rows, r => r.Action, NpgsqlDbType.Text),
                Array(rows, r => r.Resource, NpgsqlDbType.Text), Array(rows, r => r.ResourceId, NpgsqlDbType.Text),
                Array(rows, r => r.VersionBefore, NpgsqlDbType.Integer), Array(rows, r => r.VersionAfter, NpgsqlDbType.Integer),
            },
        };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter Array<T>(IReadOnlyList<AuditEntry> rows, Func<AuditEntry, T> column, NpgsqlDbType type) =>
        new() { Value = rows.Select(column).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };
}
