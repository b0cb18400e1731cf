using Npgsql;
using Registry.Api.Audit;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Patients;

namespace Registry.Api.Bulk;

/// <summary>
/// Writes a chunk's new rows with PostgreSQL binary COPY: patients, cases, their diagnostics, medications and
/// outcomes, and the audit rows, each table by its column map (<see cref="Tables"/>). Each table gets the columns, and
/// each column the value, that EF Core's INSERT would give it (BulkIngestTests compares a bulk-stored case with one
/// stored by POST /cases column by column); the summary columns (cases.drugs, final outcome) are filled in by
/// <see cref="SummaryColumns"/> like any whole-case write. Binary COPY,
/// because one INSERT statement per row measured at a third of COPY's rate (docs/performance.md).
/// </summary>
/// <remarks>
/// PostgreSQL refuses COPY FROM into a table under row-level security, so the rows are copied into temporary tables of
/// the same columns (dropped at commit) and moved with INSERT ... SELECT, which the policies check like any insert and
/// which fires the same triggers. Creating the tables and moving the rows take one round trip each.
/// </remarks>
public static class ChunkCopy
{
    private static readonly (string Table, string Columns)[] InsertOrder =
    [
        (Tables.Patients.Table, Tables.Patients.ColumnList), (Tables.Cases.Table, Tables.Cases.ColumnList),
        (Tables.Diagnostics.Table, Tables.Diagnostics.ColumnList), (Tables.Medications.Table, Tables.Medications.ColumnList),
        (Tables.Outcomes.Table, Tables.Outcomes.ColumnList), (Tables.AuditLog.Table, Tables.AuditLog.ColumnList),
    ];

    public static async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<Patient> patients, IReadOnlyList<Case> cases,
        IReadOnlyList<AuditEntry> audit, CancellationToken ct = default)
    {
        await RunForEachTableAsync(connection, "CREATE TEMP TABLE staged_{0} ON COMMIT DROP AS SELECT {1} FROM {0} WITH NO DATA", ct);
        if (patients.Count > 0) await Tables.Patients.CopyAsync(connection, patients, ct, Staged(Tables.Patients));
        await Tables.Cases.CopyAsync(connection, cases, ct, Staged(Tables.Cases));
        await Tables.Diagnostics.CopyAsync(connection, cases.SelectMany(c => c.Diagnostics), ct, Staged(Tables.Diagnostics));
        await Tables.Medications.CopyAsync(connection, cases.SelectMany(c => c.Medications), ct, Staged(Tables.Medications));
        await Tables.Outcomes.CopyAsync(connection, cases.SelectMany(c => c.Outcomes), ct, Staged(Tables.Outcomes));
        if (audit.Count > 0) await Tables.AuditLog.CopyAsync(connection, audit, ct, Staged(Tables.AuditLog));
        await RunForEachTableAsync(connection, "INSERT INTO {0} ({1}) SELECT {1} FROM staged_{0}", ct);
    }

    private static string Staged<T>(ColumnMap<T> map) => $"staged_{map.Table}";

    private static async Task RunForEachTableAsync(NpgsqlConnection connection, string sqlFormat, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        foreach (var (table, columns) in InsertOrder)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, sqlFormat, table, columns)));
        await batch.ExecuteNonQueryAsync(ct);
    }
}
