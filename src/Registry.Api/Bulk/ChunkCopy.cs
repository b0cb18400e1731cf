using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Audit;
using Registry.Api.Cases;
using Registry.Api.Patients;

namespace Registry.Api.Bulk;

/// <summary>
/// Writes a chunk's new rows with PostgreSQL binary COPY: patients, cases, their diagnostics, medications and
/// outcomes, and the audit rows. Each table gets the columns, and each column the value, that EF Core's INSERT
/// would give it (BulkIngestTests compares a bulk-stored case with one stored by POST /cases column by column);
/// the summary columns (cases.drugs, final outcome) are filled in by <see cref="SummaryColumns"/>, and checked at commit
/// by the triggers on medications and outcomes. Binary COPY (through a staging table, see <see cref="BeginStagedAsync"/>),
/// because one INSERT statement per row measured at a third of COPY's rate (docs/performance.md).
/// </summary>
internal static class ChunkCopy
{
    /// <summary>A table COPY fills, and the columns in the order each row writes them.</summary>
    private sealed record Table(string Name, string Columns);

    private static readonly Table Patients = new("patients", "id, hospital_id, pseudonym, sex, birth_year, version, created_at, updated_at");
    private static readonly Table Cases = new("cases", """
        id, hospital_id, patient_id, source_case_id, age_at_presentation, presentation_date, admission_date,
        length_of_stay_days, follow_up_days, affected_side, symptom_duration_days, affected_regions, triggers,
        present_during_sleep, associated_symptoms, prior_facial_palsy, prior_facial_palsy_months_before,
        history_notes, diagnosis_name, diagnosis_icd10, diagnosis_snomed_ct, etiology, diagnosis_notes,
        supportive_care, notes, drugs, final_outcome_status, final_outcome_day, first_improvement_day,
        version, created_at, updated_at
        """);
    private static readonly Table Diagnostics = new("diagnostics", "id, case_id, hospital_id, kind, day, result, findings, summary, measurements, ordinal, version, created_at, updated_at");
    private static readonly Table Medications = new("medications", """
        id, case_id, hospital_id, drug, product_name, route, form, dose_amount, dose_unit, frequency,
        start_day, end_day, setting, purpose, adjustments, ending, ordinal, version, created_at, updated_at
        """);
    private static readonly Table Outcomes = new("outcomes", """
        id, case_id, hospital_id, day, method, status, severity_scale, severity_score, recurrence,
        residual_findings, notes, ordinal, version, created_at, updated_at
        """);
    private static readonly Table AuditLog = new("audit_log", "at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after");

    private static readonly Table[] InsertOrder = [Patients, Cases, Diagnostics, Medications, Outcomes, AuditLog];

    /// <summary>
    /// PostgreSQL refuses COPY FROM into a table under row-level security, so a chunk's rows are copied into temporary
    /// tables of the same columns (dropped at commit) and moved with INSERT ... SELECT, which the policies check like
    /// any insert and which fires the same triggers. Creating the tables and moving the rows take one round trip each.
    /// </summary>
    private static async Task CreateStagingAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        foreach (var table in InsertOrder)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"CREATE TEMP TABLE staged_{table.Name} ON COMMIT DROP AS SELECT {table.Columns} FROM {table.Name} WITH NO DATA"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static Task<NpgsqlBinaryImporter> BeginStagedAsync(NpgsqlConnection connection, Table table, CancellationToken ct) =>
        connection.BeginBinaryImportAsync($"COPY staged_{table.Name} ({table.Columns}) FROM STDIN (FORMAT BINARY)", ct);

    private static async Task MoveStagedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        foreach (var table in InsertOrder)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"INSERT INTO {table.Name} ({table.Columns}) SELECT {table.Columns} FROM staged_{table.Name}"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    public static async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<Patient> patients, IReadOnlyList<Case> cases,
        IReadOnlyList<AuditEntry> audit, CancellationToken ct)
    {
        await CreateStagingAsync(connection, ct);
        if (patients.Count > 0)
        {
            await using (var copy = await BeginStagedAsync(connection, Patients, ct))
            {
                foreach (var p in patients)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(p.Id, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(p.HospitalId, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(p.Pseudonym, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(p.Sex, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(p.BirthYear, NpgsqlDbType.Integer, ct);
                    await Versioned(copy, p.Version, p.CreatedAt, p.UpdatedAt, ct);
                }
                await copy.CompleteAsync(ct);
            }
        }

        await using (var copy = await BeginStagedAsync(connection, Cases, ct))
        {
            foreach (var c in cases)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(c.HospitalId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(c.PatientId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(c.SourceCaseId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.AgeAtPresentation, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(c.PresentationDate, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.AdmissionDate, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.LengthOfStayDays, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(c.FollowUpDays, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(c.AffectedSide, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.SymptomDurationDays, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(c.AffectedRegions, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.Triggers, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.PresentDuringSleep, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(c.AssociatedSymptoms, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.PriorFacialPalsy, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(c.PriorFacialPalsyMonthsBefore, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(c.HistoryNotes, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.DiagnosisName, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.DiagnosisIcd10, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.DiagnosisSnomedCt, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.Etiology, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.DiagnosisNotes, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.SupportiveCare, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.Notes, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.Drugs, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.FinalOutcomeStatus, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(c.FinalOutcomeDay, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(c.FirstImprovementDay, NpgsqlDbType.Integer, ct);
                await Versioned(copy, c.Version, c.CreatedAt, c.UpdatedAt, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await BeginStagedAsync(connection, Diagnostics, ct))
        {
            foreach (var d in cases.SelectMany(c => c.Diagnostics))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(d.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(d.CaseId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(d.HospitalId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(d.Kind, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(d.Day, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(d.Result, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(d.Findings, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(d.Summary, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(Json(d.Measurements.Select(m => new { name = m.Name, value = m.Value, unit = m.Unit })), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(d.Ordinal, NpgsqlDbType.Integer, ct);
                await Versioned(copy, d.Version, d.CreatedAt, d.UpdatedAt, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await BeginStagedAsync(connection, Medications, ct))
        {
            foreach (var m in cases.SelectMany(c => c.Medications))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(m.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(m.CaseId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(m.HospitalId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(m.Drug, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.ProductName, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Route, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Form, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.DoseAmount, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(m.DoseUnit, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Frequency, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.StartDay, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(m.EndDay, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(m.Setting, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Purpose, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(Json(m.Adjustments.Select(a => new { day = a.Day, change = a.Change, note = a.Note })), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(m.Ending, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(m.Ordinal, NpgsqlDbType.Integer, ct);
                await Versioned(copy, m.Version, m.CreatedAt, m.UpdatedAt, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await BeginStagedAsync(connection, Outcomes, ct))
        {
            foreach (var o in cases.SelectMany(c => c.Outcomes))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(o.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(o.CaseId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(o.HospitalId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(o.Day, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(o.Method, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(o.Status, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(o.SeverityScale, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(o.SeverityScore, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(o.Recurrence, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(o.ResidualFindings, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(o.Notes, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(o.Ordinal, NpgsqlDbType.Integer, ct);
                await Versioned(copy, o.Version, o.CreatedAt, o.UpdatedAt, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await BeginStagedAsync(connection, AuditLog, ct))
        {
            foreach (var a in audit)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(a.At, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(a.RequestId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.ApiKeyId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(a.Role, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.HospitalId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(a.Action, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.Resource, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.ResourceId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(a.VersionBefore, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(a.VersionAfter, NpgsqlDbType.Integer, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await MoveStagedAsync(connection, ct);
    }

    private static async Task Versioned(NpgsqlBinaryImporter copy, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt, CancellationToken ct)
    {
        await copy.WriteAsync(version, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(createdAt, NpgsqlDbType.TimestampTz, ct);
        await copy.WriteAsync(updatedAt, NpgsqlDbType.TimestampTz, ct);
    }

    /// <summary>The jsonb of an owned collection as EF Core writes it: an array of objects, null properties included.</summary>
    private static string Json<T>(IEnumerable<T> items) => JsonSerializer.Serialize(items);
}
