using System.Buffers;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Fhir.BulkData;

/// <summary>
/// Writes one file of a completed job: the resources of one type of every case in the job's snapshot, one per line.
/// Generated while it is downloaded — cases read a batch at a time by keyset over the snapshot, each written as soon
/// as it is built — so memory stays flat however many cases the job holds, and nothing is kept on disk.
/// </summary>
public static class BulkExportFiles
{
    public static async Task WriteAsync(
        BulkExportJob job, string type, CallerDataSource dataSource, IServiceScopeFactory scopes, Caller caller, Stream body, CancellationToken ct)
    {
        var parameters = new DynamicParameters(new { job = job.Id });
        var ids = FhirCases.IdBatchesAsync(dataSource, $"""
            SELECT s.case_id FROM bulk_export_cases s
            WHERE s.job_id = @job AND (@after::uuid IS NULL OR s.case_id > @after) {CasesHolding(type)}
            ORDER BY s.case_id LIMIT {FhirCases.BatchSize}
            """, parameters, ct);
        var buffer = new ArrayBufferWriter<byte>();
        // Read and audited with the downloading key, so an analyst's file is redacted as any analyst read is.
        await foreach (var batch in FhirCases.LoadBatchesAsync(scopes, dataSource, ids, caller, ct))
        {
            foreach (var source in batch)
            // Only the file's type is built, with references as REST URLs (Type/id): one resource per line, outside any Bundle.
            foreach (var resource in CaseToFhir.Build(source, transaction: false, restReferences: true, onlyType: type).Entry.Select(e => e.Resource))
                await FhirJson.WriteLineAsync(resource, buffer, body, ct);
            await body.FlushAsync(ct);
        }
    }

    /// <summary>
    /// Which snapshot cases have resources of the type: each hospital and patient is written once, by its first case.
    /// Observation's two sources are one EXISTS over a UNION ALL: as two EXISTS joined by OR, PostgreSQL hashed every
    /// diagnostic's case id for each page of 100 (the outer scan looks large, the LIMIT is not weighed), 0.5 s a page
    /// at 1,000,000 cases; this form probes the two indexes per case, 0.4 ms a page.
    /// </summary>
    private static string CasesHolding(string type) => type switch
    {
        "Organization" => "AND s.first_of_hospital",
        "Patient" => "AND s.first_of_patient",
        "DiagnosticReport" => "AND EXISTS (SELECT 1 FROM diagnostics d WHERE d.case_id = s.case_id)",
        "Observation" => """
            AND EXISTS (SELECT 1 FROM (SELECT d.case_id FROM diagnostics d WHERE d.case_id = s.case_id
                                       UNION ALL SELECT o.case_id FROM outcomes o WHERE o.case_id = s.case_id) held)
            """,
        "Medication" or "MedicationStatement" => "AND EXISTS (SELECT 1 FROM medications m WHERE m.case_id = s.case_id)",
        _ => "",
    };

    /// <summary>Records the download of one file in the audit trail (each case in it is also audited as read).</summary>
    public static async Task AuditDownloadAsync(CallerDataSource dataSource, Guid jobId, string type, Caller caller, string requestId, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO audit_log (at, request_id, api_key_id, role, hospital_id, action, resource, resource_id)
            VALUES (now(), $1, $2, $3, $4, 'read', 'bulk-export-file', $5)
            """);
        Audit.CaseReads.AddReader(insert, caller, requestId);
        insert.Parameters.Add(new NpgsqlParameter { Value = $"{jobId}/{type}", NpgsqlDbType = NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(ct);
    }
}
