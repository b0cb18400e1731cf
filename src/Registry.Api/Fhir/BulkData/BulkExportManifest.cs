namespace Registry.Api.Fhir.BulkData;

/// <summary>The Bulk Data complete-status body: what was exported, as of when, and where each file is.</summary>
/// <param name="TransactionTime">The instant the job selected its cases: files hold what matched then (see docs/fhir.md).</param>
/// <param name="Request">The kick-off request's URL.</param>
/// <param name="RequiresAccessToken">Always true: a file is downloaded with the key that started the job.</param>
/// <param name="Output">One NDJSON file per resource type that has resources, with their number.</param>
/// <param name="Error">Files of OperationOutcomes; always empty (a case that cannot be exported fails the download instead).</param>
public sealed record BulkExportManifest(
    DateTimeOffset TransactionTime, string Request, bool RequiresAccessToken, List<BulkExportOutput> Output, List<BulkExportOutput> Error)
{
    public static BulkExportManifest For(BulkExportJob job, string fileBaseUrl)
    {
        var counts = job.CountsByType();
        return new(new DateTimeOffset(DateTime.SpecifyKind(job.TransactionTime!.Value, DateTimeKind.Utc)), job.Request, true,
            [.. BulkExportParameters.ResourceTypes.Where(t => job.Types.Contains(t) && counts.ContainsKey(t))
                .Select(t => new BulkExportOutput(t, $"{fileBaseUrl}/{job.Id}/{t}", counts[t]))],
            []);
    }
}

/// <summary>One file of the export.</summary>
/// <param name="Type">The resource type every line of the file holds.</param>
/// <param name="Url">Where to download it (GET, with the key that started the job).</param>
/// <param name="Count">How many resources (lines) it holds, counted at the transaction time.</param>
public sealed record BulkExportOutput(string Type, string Url, long Count);
