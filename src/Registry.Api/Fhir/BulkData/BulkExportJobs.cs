using System.Text.Json;
using Dapper;
using Npgsql;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Fhir.BulkData;

/// <summary>A Bulk Data export job as stored (bulk_export_jobs).</summary>
public sealed record BulkExportJob
{
    public Guid Id { get; init; }
    public Guid ApiKeyId { get; init; }
    public Guid? HospitalId { get; init; }
    public string Request { get; init; } = "";
    public string[] Types { get; init; } = [];
    public DateTime? Since { get; init; }
    public string Status { get; init; } = "";
    public string? Progress { get; init; }
    public DateTime? TransactionTime { get; init; }
    public string? Counts { get; init; }
    public string? Error { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; init; }

    /// <summary>Who the job selects cases for: a hospital key's own hospital (row-level security), else every hospital.</summary>
    public Caller Caller => HospitalId is { } hospital ? new Caller(ApiKeyId, Role.Hospital, hospital) : Caller.System;

    /// <summary>Resources per type, as counted at the transaction time; only types with at least one.</summary>
    public IReadOnlyDictionary<string, long> CountsByType() =>
        Counts is null ? new Dictionary<string, long>()
            : JsonSerializer.Deserialize<Dictionary<string, long>>(Counts)!.Where(c => c.Value > 0).ToDictionary();
}

/// <summary>
/// The job table's SQL: kick-off, lookup by the key that started it, cancellation, and the worker's claim and
/// snapshot. Everything lives in PostgreSQL, so any API instance can serve any job, before or after a restart.
/// The job tables hold no clinical data and are not under row-level security (a job is found by the key that started
/// it); the snapshot selects cases as the job's caller, so row-level security confines a hospital key's job.
/// </summary>
public sealed class BulkExportJobs(RegistryConnections connections, TimeProvider clock)
{
    /// <summary>How long a completed job's files stay downloadable (and a job waits to be started).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>How long a worker holds a claimed job before another instance may take it over (its instance died).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private const string Columns = """
        id, api_key_id AS apikeyid, hospital_id AS hospitalid, request, types, since, status, progress,
        transaction_time AS transactiontime, counts::text AS counts, error, created_at AS createdat, expires_at AS expiresat
        """;

    public async Task<Guid> CreateAsync(Caller caller, string request, IReadOnlyList<string> types, DateTimeOffset? since, CancellationToken ct)
    {
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        await using var connection = await connections.For(caller).OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO bulk_export_jobs (id, api_key_id, hospital_id, request, types, since, status, progress, expires_at)
            VALUES (@id, @key, @hospital, @request, @types, @since, 'queued', 'queued', now() + @retention)
            """, new { id, key = caller.KeyId, hospital = caller.TenantHospitalId, request, types = types.ToArray(), since, retention = Retention },
            cancellationToken: ct));
        return id;
    }

    /// <summary>
    /// The job, if this key started it and it is neither cancelled nor expired: a status URL or file of another key
    /// (so of another hospital) is as unknown as one that never existed.
    /// </summary>
    public async Task<BulkExportJob?> FindAsync(Guid id, Caller caller, CancellationToken ct)
    {
        await using var connection = await connections.For(caller).OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<BulkExportJob>(new CommandDefinition($"""
            SELECT {Columns} FROM bulk_export_jobs
            WHERE id = @id AND api_key_id = @key AND status <> 'cancelled' AND expires_at > now()
            """, new { id, key = caller.KeyId }, cancellationToken: ct));
    }

    /// <summary>Cancels the key's job and lets go of its snapshot; false when there is no such live job.</summary>
    public async Task<bool> CancelAsync(Guid id, Caller caller, CancellationToken ct)
    {
        await using var connection = await connections.For(caller).OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var cancelled = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE bulk_export_jobs SET status = 'cancelled', progress = NULL, lease_until = NULL
            WHERE id = @id AND api_key_id = @key AND status <> 'cancelled' AND expires_at > now()
            """, new { id, key = caller.KeyId }, transaction, cancellationToken: ct)) == 1;
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM bulk_export_cases WHERE job_id = @id",
            new { id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return cancelled;
    }

    /// <summary>
    /// Takes the oldest job waiting (or one whose worker's lease ran out), skipping those another worker holds; null
    /// when there is none.
    /// </summary>
    public async Task<BulkExportJob?> ClaimAsync(CancellationToken ct)
    {
        await using var connection = await connections.For(Caller.System).OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<BulkExportJob>(new CommandDefinition($"""
            UPDATE bulk_export_jobs SET status = 'running', progress = 'selecting the matching cases', lease_until = now() + @lease
            WHERE id = (SELECT id FROM bulk_export_jobs
                        WHERE (status = 'queued' OR (status = 'running' AND lease_until < now())) AND expires_at > now()
                        ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """, new { lease = Lease }, cancellationToken: ct));
    }

    /// <summary>
    /// Records the cases the job exports and counts each type's resources, in one repeatable-read transaction, so
    /// the snapshot, the counts and the transaction time agree. Nothing is committed if the job was cancelled meanwhile.
    /// </summary>
    public async Task SnapshotAsync(BulkExportJob job, CancellationToken ct)
    {
        await using var connection = await connections.For(job.Caller).OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var parameters = new { id = job.Id, since = job.Since };
        Task<T> Single<T>(string sql) => connection.QuerySingleAsync<T>(new CommandDefinition(sql, parameters, transaction, cancellationToken: ct));
        await Single<int>("SET LOCAL statement_timeout = 0; SELECT 0");
        var transactionTime = await Single<DateTime>("SELECT now()");
        await Single<int>("""
            DELETE FROM bulk_export_cases WHERE job_id = @id;
            INSERT INTO bulk_export_cases (job_id, case_id, first_of_patient, first_of_hospital)
            SELECT @id, c.id,
                   row_number() OVER (PARTITION BY c.patient_id ORDER BY c.id) = 1,
                   row_number() OVER (PARTITION BY c.hospital_id ORDER BY c.id) = 1
            FROM cases c
            WHERE (@since::timestamptz IS NULL OR c.updated_at > @since
                   OR EXISTS (SELECT 1 FROM diagnostics d WHERE d.case_id = c.id AND d.updated_at > @since)
                   OR EXISTS (SELECT 1 FROM medications m WHERE m.case_id = c.id AND m.updated_at > @since)
                   OR EXISTS (SELECT 1 FROM outcomes o WHERE o.case_id = c.id AND o.updated_at > @since)
                   OR EXISTS (SELECT 1 FROM patients p WHERE p.id = c.patient_id AND p.updated_at > @since));
            SELECT 0
            """);
        var counts = await Single<string>(CountsSql);
        var completed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE bulk_export_jobs
            SET status = 'complete', progress = NULL, lease_until = NULL, transaction_time = @time, counts = @counts::jsonb,
                expires_at = now() + @retention
            WHERE id = @id AND status = 'running'
            """, new { id = job.Id, time = transactionTime, counts, retention = Retention }, transaction, cancellationToken: ct));
        if (completed == 1) await transaction.CommitAsync(ct);
    }

    public async Task FailAsync(Guid id, string error, CancellationToken ct)
    {
        await using var connection = await connections.For(Caller.System).OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE bulk_export_jobs SET status = 'failed', progress = NULL, lease_until = NULL, error = @error
            WHERE id = @id AND status = 'running'
            """, new { id, error }, cancellationToken: ct));
    }

    /// <summary>Forgets jobs past their expiry, with their snapshots.</summary>
    public async Task DeleteExpiredAsync(CancellationToken ct)
    {
        await using var connection = await connections.For(Caller.System).OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM bulk_export_jobs WHERE expires_at < now()", cancellationToken: ct));
    }

    /// <summary>
    /// Each type's resources for the snapshot, as CaseToFhir writes them: an Organization per hospital and a Patient
    /// per patient; per case an Encounter and two Conditions (hemifacial spasm, prior facial palsy); a DiagnosticReport
    /// per diagnostic with an Observation per finding and per measurement (an adjacent systolic + diastolic pair being
    /// one blood-pressure panel); a Medication and a MedicationStatement per medication; an Observation per outcome.
    /// </summary>
    private const string CountsSql = """
        WITH s AS (SELECT * FROM bulk_export_cases WHERE job_id = @id),
        d AS (
            SELECT count(*) AS reports,
                   coalesce(sum(cardinality(d.findings) + jsonb_array_length(d.measurements)
                       - (SELECT count(*) FROM jsonb_array_elements(d.measurements) WITH ORDINALITY AS m(value, n)
                          WHERE m.value ->> 'name' = 'systolic-blood-pressure'
                            AND d.measurements -> n::int ->> 'name' = 'diastolic-blood-pressure')), 0) AS observations
            FROM s JOIN diagnostics d ON d.case_id = s.case_id)
        SELECT json_build_object(
            'Organization', (SELECT count(*) FROM s WHERE first_of_hospital),
            'Patient', (SELECT count(*) FROM s WHERE first_of_patient),
            'Encounter', (SELECT count(*) FROM s),
            'Condition', (SELECT 2 * count(*) FROM s),
            'DiagnosticReport', (SELECT reports FROM d),
            'Observation', (SELECT observations FROM d) + (SELECT count(*) FROM s JOIN outcomes o ON o.case_id = s.case_id),
            'Medication', (SELECT count(*) FROM s JOIN medications m ON m.case_id = s.case_id),
            'MedicationStatement', (SELECT count(*) FROM s JOIN medications m ON m.case_id = s.case_id))::text
        """;
}
