using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Security;

namespace Registry.Api.Cases;

/// <summary>
/// Reads whole cases — each case with its diagnostics, medications and outcomes — in one round trip: one batch of
/// hand-written SELECTs instead of EF's split query (four round trips), which made GET /cases/{id} several times
/// slower than the reads themselves. A hospital caller sees only its own hospital's rows: the connection is bound
/// to the caller, and PostgreSQL's row-level security confines it (migration 0030). The columns read here must follow the entities: a test in CaseReadTests compares the result with
/// what EF loads.
/// </summary>
public static class WholeCases
{
    /// <summary>
    /// The cases among <paramref name="ids"/> the caller may see, each read recorded in the audit trail, all in one
    /// round trip on a connection of its own. The audit row is written by the same transaction and snapshot as the
    /// rows returned, so it names the version the caller got; a case the caller may not see gets none. Committed with
    /// synchronous_commit off, like every read audit (see Audit.CaseReads).
    /// </summary>
    public static Task<List<Case>> ReadAuditedAsync(
        CallerDataSource dataSource, IReadOnlyCollection<Guid> ids, Caller caller, string? requestId, CancellationToken ct) =>
        ReadAuditedAsync(dataSource, Tables.Live, ids, null, caller, requestId, ct);

    /// <summary>
    /// Version <paramref name="version"/> of each of the cases among <paramref name="ids"/> the caller may see, as
    /// stored in case_versions when it was written (a deletion has no case to read), audited like a read of the case.
    /// </summary>
    public static Task<List<Case>> ReadVersionAuditedAsync(
        CallerDataSource dataSource, IReadOnlyCollection<Guid> ids, int version, Caller caller, string? requestId, CancellationToken ct) =>
        ReadAuditedAsync(dataSource, Tables.Stored, ids, version, caller, requestId, ct);

    private static async Task<List<Case>> ReadAuditedAsync(CallerDataSource dataSource, Tables tables, IReadOnlyCollection<Guid> ids,
        int? version, Caller caller, string? requestId, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN ISOLATION LEVEL REPEATABLE READ"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(GenericPlans));
        AddSelects(batch, tables, ids, version);
        var audit = new NpgsqlBatchCommand($"""
            INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id, version_before, version_after)
            SELECT now(), $2, $3, $4, $5, 'read', 'case', id::text, version, version FROM {tables.Cases} WHERE {Visible}
            """.Replace("${n}", "$6"));
        AddScope(audit, ids);
        Audit.CaseReads.AddReader(audit, caller, requestId);
        if (version is not null) audit.Parameters.Add(new NpgsqlParameter { Value = version.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        batch.BatchCommands.Add(audit);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        return await ReadAsync(batch, ct);
    }

    /// <summary>
    /// The cases among <paramref name="ids"/> the context's caller may see, not audited: for answering a write with
    /// what it stored. On the context's own connection, so it sees what the context's open transaction wrote (an
    /// idempotent POST commits only after its response is stored; see Common.Idempotency).
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
            AddSelects(batch, Tables.Live, ids, null);
            if (ownTransaction) batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            return await ReadAsync(batch, ct);
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

    private const string CaseColumns = """
        id, hospital_id, patient_id, source_case_id, age_at_presentation, presentation_date, admission_date,
        length_of_stay_days, follow_up_days, affected_side, symptom_duration_days, affected_regions, triggers,
        present_during_sleep, associated_symptoms, prior_facial_palsy, prior_facial_palsy_months_before, history_notes,
        diagnosis_name, diagnosis_icd10, diagnosis_snomed_ct, etiology, diagnosis_notes, supportive_care, notes,
        final_outcome_status, final_outcome_day, first_improvement_day, version, created_at, updated_at, drugs
        """;

    private const string DiagnosticColumns =
        "id, case_id, hospital_id, kind, day, result, findings, summary, measurements, version, created_at, updated_at, ordinal";

    private const string MedicationColumns = """
        id, case_id, hospital_id, drug, product_name, route, form, dose_amount, dose_unit, frequency, start_day, end_day,
        setting, purpose, adjustments, ending, version, created_at, updated_at, ordinal
        """;

    private const string OutcomeColumns = """
        id, case_id, hospital_id, day, method, status, severity_scale, severity_score, recurrence, residual_findings,
        notes, version, created_at, updated_at, ordinal
        """;

    /// <summary>How EF stores the owned measurements and adjustments in their jsonb columns (Data/Configurations).</summary>
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Where a case's rows are read from: the live tables, or one version of each case as case_versions stored it
    /// (its snapshot's rows put back into the tables' row types, so the same columns read the same way).
    /// The version is the last parameter of each statement ($2 for the SELECTs, $6 for the audit insert).
    /// </summary>
    private sealed record Tables(string Cases, string Diagnostics, string Medications, string Outcomes)
    {
        public static readonly Tables Live = new("cases", "diagnostics", "medications", "outcomes");

        public static readonly Tables Stored = new(
            "(SELECT r.* FROM case_versions v, jsonb_populate_record(NULL::cases, v.snapshot->'case') r WHERE v.case_id = ANY($1) AND v.version = ${n}) cases",
            Children("diagnostics"), Children("medications"), Children("outcomes"));

        private static string Children(string table) =>
            $"(SELECT r.* FROM case_versions v, jsonb_populate_recordset(NULL::{table}, v.snapshot->'{table}') r WHERE v.case_id = ANY($1) AND v.version = ${{n}}) {table}";
    }

    private static void AddSelects(NpgsqlBatch batch, Tables tables, IReadOnlyCollection<Guid> ids, int? version)
    {
        foreach (var sql in new[]
                 {
                     $"SELECT {CaseColumns} FROM {tables.Cases} WHERE {Visible}",
                     $"SELECT {DiagnosticColumns} FROM {tables.Diagnostics} WHERE {VisibleChildren}",
                     $"SELECT {MedicationColumns} FROM {tables.Medications} WHERE {VisibleChildren}",
                     $"SELECT {OutcomeColumns} FROM {tables.Outcomes} WHERE {VisibleChildren}",
                 })
        {
            var command = new NpgsqlBatchCommand(sql.Replace("${n}", "$2"));
            AddScope(command, ids);
            if (version is not null) command.Parameters.Add(new NpgsqlParameter { Value = version.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            batch.BatchCommands.Add(command);
        }
    }

    private static void AddScope(NpgsqlBatchCommand command, IReadOnlyCollection<Guid> ids)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = ids as Guid[] ?? ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
    }

    /// <summary>Runs the batch; its result sets are the cases, then their diagnostics, medications and outcomes.</summary>
    private static async Task<List<Case>> ReadAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var cases = new Dictionary<Guid, Case>();
        while (await reader.ReadAsync(ct)) cases.Add(reader.GetGuid(0), ReadCase(reader));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) AddTo(cases, ReadDiagnostic(reader), (c, d) => c.Diagnostics.Add(d));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) AddTo(cases, ReadMedication(reader), (c, m) => c.Medications.Add(m));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) AddTo(cases, ReadOutcome(reader), (c, o) => c.Outcomes.Add(o));
        // Runs what follows the SELECTs (the audit insert and its COMMIT), so a failure there fails the read.
        while (await reader.NextResultAsync(ct)) { }
        return [.. cases.Values];
    }

    private static void AddTo<T>(Dictionary<Guid, Case> cases, T child, Action<Case, T> add) where T : ICaseChild
    {
        if (cases.TryGetValue(child.CaseId, out var owner)) add(owner, child);
    }

    private static Case ReadCase(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0), HospitalId = r.GetGuid(1), PatientId = r.GetGuid(2), SourceCaseId = Text(r, 3),
        AgeAtPresentation = r.GetInt32(4), PresentationDate = r.GetString(5), AdmissionDate = Text(r, 6),
        LengthOfStayDays = r.GetFieldValue<int?>(7), FollowUpDays = r.GetFieldValue<int?>(8), AffectedSide = r.GetString(9),
        SymptomDurationDays = r.GetFieldValue<int?>(10), AffectedRegions = r.GetFieldValue<List<string>>(11),
        Triggers = r.GetFieldValue<List<string>>(12), PresentDuringSleep = r.GetFieldValue<bool?>(13),
        AssociatedSymptoms = r.GetFieldValue<List<string>>(14), PriorFacialPalsy = r.GetBoolean(15),
        PriorFacialPalsyMonthsBefore = r.GetFieldValue<int?>(16), HistoryNotes = Text(r, 17),
        DiagnosisName = r.GetString(18), DiagnosisIcd10 = r.GetString(19), DiagnosisSnomedCt = Text(r, 20),
        Etiology = r.GetString(21), DiagnosisNotes = Text(r, 22), SupportiveCare = r.GetFieldValue<List<string>>(23),
        Notes = Text(r, 24), FinalOutcomeStatus = Text(r, 25), FinalOutcomeDay = r.GetFieldValue<int?>(26),
        FirstImprovementDay = r.GetFieldValue<int?>(27), Version = r.GetInt32(28),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(29), UpdatedAt = r.GetFieldValue<DateTimeOffset>(30),
        Drugs = r.GetFieldValue<List<string>>(31),
    };

    private static Diagnostic ReadDiagnostic(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0), CaseId = r.GetGuid(1), HospitalId = r.GetGuid(2), Kind = r.GetString(3),
        Day = r.GetFieldValue<int?>(4), Result = r.GetString(5), Findings = r.GetFieldValue<List<string>>(6),
        Summary = Text(r, 7), Measurements = Json<StoredMeasurement>(r, 8),
        Version = r.GetInt32(9), CreatedAt = r.GetFieldValue<DateTimeOffset>(10), UpdatedAt = r.GetFieldValue<DateTimeOffset>(11),
        Ordinal = r.GetInt32(12),
    };

    private static Medication ReadMedication(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0), CaseId = r.GetGuid(1), HospitalId = r.GetGuid(2), Drug = r.GetString(3),
        ProductName = Text(r, 4), Route = r.GetString(5), Form = Text(r, 6), DoseAmount = r.GetFieldValue<decimal?>(7),
        DoseUnit = Text(r, 8), Frequency = Text(r, 9), StartDay = r.GetFieldValue<int?>(10), EndDay = r.GetFieldValue<int?>(11),
        Setting = r.GetString(12), Purpose = Text(r, 13), Adjustments = Json<StoredAdjustment>(r, 14), Ending = Text(r, 15),
        Version = r.GetInt32(16), CreatedAt = r.GetFieldValue<DateTimeOffset>(17), UpdatedAt = r.GetFieldValue<DateTimeOffset>(18),
        Ordinal = r.GetInt32(19),
    };

    private static Outcome ReadOutcome(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0), CaseId = r.GetGuid(1), HospitalId = r.GetGuid(2), Day = r.GetInt32(3), Method = r.GetString(4),
        Status = r.GetString(5), SeverityScale = Text(r, 6), SeverityScore = r.GetFieldValue<int?>(7),
        Recurrence = r.GetFieldValue<bool?>(8), ResidualFindings = r.GetFieldValue<List<string>>(9), Notes = Text(r, 10),
        Version = r.GetInt32(11), CreatedAt = r.GetFieldValue<DateTimeOffset>(12), UpdatedAt = r.GetFieldValue<DateTimeOffset>(13),
        Ordinal = r.GetInt32(14),
    };

    private static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static List<T> Json<T>(NpgsqlDataReader r, int ordinal) =>
        JsonSerializer.Deserialize<List<T>>(r.GetString(ordinal), StoredJson) ?? [];
}
