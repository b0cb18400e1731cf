using Npgsql;
using Registry.Api.Audit;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Patients;

namespace Registry.Api.Bulk;

/// <summary>
/// Writes a chunk's new rows with PostgreSQL binary COPY: patients, cases, their diagnostics, medications and
/// outcomes, and the audit rows, each table by its column map (<see cref="Tables"/>). Each table gets the columns, and each column the value, that EF Core's INSERT
/// would give it (BulkIngestTests compares a bulk-stored case with one stored by POST /cases column by column);
/// the summary columns (cases.drugs, final outcome) are filled in by <see cref="SummaryColumns"/>, and checked at commit
/// by the triggers on medications and outcomes, which COPY fires like INSERT. Binary COPY, because one INSERT statement per row measured at a third of
/// COPY's rate (docs/performance.md).
/// </summary>
public static class ChunkCopy
{
    public static async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<Patient> patients, IReadOnlyList<Case> cases,
        IReadOnlyList<AuditEntry> audit, CancellationToken ct = default)
    {
        if (patients.Count > 0) await Tables.Patients.CopyAsync(connection, patients, ct);
        await Tables.Cases.CopyAsync(connection, cases, ct);
        await Tables.Diagnostics.CopyAsync(connection, cases.SelectMany(c => c.Diagnostics), ct);
        await Tables.Medications.CopyAsync(connection, cases.SelectMany(c => c.Medications), ct);
        await Tables.Outcomes.CopyAsync(connection, cases.SelectMany(c => c.Outcomes), ct);
        if (audit.Count > 0) await Tables.AuditLog.CopyAsync(connection, audit, ct);
    }
}
