using System.ComponentModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Fhir.BulkData;

/// <summary>
/// HL7 FHIR Bulk Data Access (v2) export: kick-off (system level and Patient level, GET or POST), status polling,
/// cancellation and file download. Jobs live in PostgreSQL (BulkExportJobs) and are run by any instance's worker.
/// </summary>
public static class BulkExportEndpoints
{
    private const string StatusPath = "/fhir/$export-status";
    private const string FilePath = "/fhir/$export-file";

    public static IServiceCollection AddFhirBulkExport(this IServiceCollection services)
    {
        return services.AddSingleton<BulkExportJobs>().AddSingleton<BulkExportSignal>().AddHostedService<BulkExportWorker>();
    }

    public static void MapFhirBulkExport(this RouteGroupBuilder routes)
    {
        var group = routes.MapGroup("");
        foreach (var (level, path) in new[] { ("System", "/fhir/$export"), ("Patient", "/fhir/Patient/$export") })
        {
            var what = level == "System" ? "every case the key may see" : "every patient's cases the key may see (every case has a patient, so the same data)";
            group.MapGet(path, KickOff).WithName($"KickOff{level}BulkExport")
                .WithSummary($"Bulk Data export kick-off ({level.ToLowerInvariant()} level)")
                .WithDescription($"""
                    Starts an asynchronous FHIR Bulk Data export of {what}: requires `Prefer: respond-async` and answers
                    202 with `Content-Location`, the status URL to poll. `_type` (comma-separated, or repeated) limits the
                    resource types (Organization, Patient, Encounter, Condition, DiagnosticReport, Observation, Medication,
                    MedicationStatement; all by default); `_since` (a FHIR instant) only cases changed after it;
                    `_outputFormat` must be application/fhir+ndjson (or application/ndjson, ndjson). A malformed parameter
                    is a 400 OperationOutcome naming it, and no job is started. A hospital key exports its own hospital's
                    cases; an analyst's files carry no pseudonyms or source case ids.
                    """)
                .Produces<JsonObject>(StatusCodes.Status202Accepted, FhirSystems.MediaType)
                .Produces<JsonObject>(StatusCodes.Status400BadRequest, FhirSystems.MediaType)
                .WithMetadata(new BulkExportRoute(BulkExportRoute.Step.KickOff))
                .WithResponseExample(StatusCodes.Status202Accepted, () => Accepted("Export job accepted; poll the status URL in Content-Location."));
            group.MapPost(path, KickOffPost).WithName($"KickOff{level}BulkExportPost")
                .WithSummary($"Bulk Data export kick-off ({level.ToLowerInvariant()} level), parameters in the body")
                .WithDescription("""
                    The same as the GET kick-off, with the parameters in a FHIR Parameters resource (`_type` and
                    `_outputFormat` as valueString, `_since` as valueInstant). Any other parameter is a 400 OperationOutcome.
                    """)
                .Accepts<JsonObject>(FhirSystems.MediaType, "application/json")
                .WithMetadata(new BulkExportRoute(BulkExportRoute.Step.KickOff))
                .Produces<JsonObject>(StatusCodes.Status202Accepted, FhirSystems.MediaType)
                .Produces<JsonObject>(StatusCodes.Status400BadRequest, FhirSystems.MediaType)
                .WithRequestExample(ParametersExample)
                .WithResponseExample(StatusCodes.Status202Accepted, () => Accepted("Export job accepted; poll the status URL in Content-Location."));
        }

        group.MapGet(StatusPath + "/{id:guid}", Status).WithName("GetBulkExportStatus")
            .WithSummary("Bulk Data export status")
            .WithDescription("""
                While the job runs: 202 with `X-Progress` (what it is doing) and `Retry-After` (seconds until the next poll is
                worth making). When done: 200 with the manifest — `transactionTime`, `request`, `requiresAccessToken: true` and
                `output`, one NDJSON file per resource type with its `count`. A job of another key, a cancelled or an expired
                one (24 hours after completion) is a 404 OperationOutcome.
                """)
            .Produces(StatusCodes.Status202Accepted)
            .Produces<BulkExportManifest>(StatusCodes.Status200OK, "application/json")
            .Produces<JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status500InternalServerError, FhirSystems.MediaType)
            .WithMetadata(new BulkExportRoute(BulkExportRoute.Step.Status))
            .WithResponseExample(StatusCodes.Status200OK, ManifestExample);

        group.MapDelete(StatusPath + "/{id:guid}", Cancel).WithName("CancelBulkExport")
            .WithSummary("Cancel a Bulk Data export")
            .WithDescription("Cancels the job and deletes what it recorded: 202, after which its status URL and files are 404.")
            .Produces<JsonObject>(StatusCodes.Status202Accepted, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status202Accepted, () => Accepted("The export job was cancelled."));

        group.MapGet(FilePath + "/{id:guid}/{type}", File).WithName("GetBulkExportFile")
            .WithSummary("A Bulk Data export file")
            .WithDescription("""
                One file of a completed export, `application/fhir+ndjson`: every resource of the type, one per line, with
                references between them as `Type/id` (ids derived from registry ids, as in the case Bundles). Generated while
                it streams, from the cases the job selected at its transaction time, each in its current state; memory stays
                flat however many there are. Needs the key that started the job; each download is recorded in the audit
                trail, and so is each case read.
                """)
            .Produces<string>(StatusCodes.Status200OK, FhirSystems.NdjsonMediaType)
            .Produces<JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status200OK, FileExample, FhirSystems.NdjsonMediaType);
    }

    private static Task<IResult> KickOff(
        [Description("Resource types to export, comma-separated (or repeated); all when absent.")][FromQuery(Name = "_type")] string[]? type,
        [Description("Only cases changed after this FHIR instant, e.g. 2026-01-31T00:00:00Z.")][FromQuery(Name = "_since")] string? since,
        [Description("application/fhir+ndjson (the default; application/ndjson and ndjson are accepted too).")][FromQuery(Name = "_outputFormat")] string? outputFormat,
        HttpContext http, BulkExportJobs jobs, BulkExportSignal signal, Caller caller, CancellationToken ct)
    {
        var (parameters, issues) = BulkExportParameters.Read(type ?? [], since, outputFormat);
        return StartAsync(parameters, issues, http, jobs, signal, caller, ct);
    }

    private static async Task<IResult> KickOffPost(HttpContext http, BulkExportJobs jobs, BulkExportSignal signal, Caller caller, CancellationToken ct)
    {
        var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, ct);
        if (body.Length == 0) return await StartAsync(new BulkExportParameters(BulkExportParameters.ResourceTypes, null), [], http, jobs, signal, caller, ct);
        try
        {
            var (resource, parseIssues) = FhirJson.Parse(body.GetBuffer().AsSpan(0, (int)body.Length));
            if (resource is not Hl7.Fhir.Model.Parameters parametersResource || parseIssues.Count > 0)
                return Invalid([new FhirIssue("structure", "Parameters", "The body must be a FHIR Parameters resource (or empty).")]);
            var (parameters, issues) = BulkExportParameters.Read(parametersResource);
            return await StartAsync(parameters, issues, http, jobs, signal, caller, ct);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or Hl7.Fhir.Utility.CodedException)
        {
            return Invalid([new FhirIssue("structure", "Parameters", $"The body is not valid FHIR JSON ({ex.Message}).")]);
        }
    }

    private static async Task<IResult> StartAsync(
        BulkExportParameters? parameters, List<FhirIssue> issues, HttpContext http, BulkExportJobs jobs, BulkExportSignal signal, Caller caller, CancellationToken ct)
    {
        if (!http.Request.Headers["Prefer"].Any(p => p?.Split(',').Any(v => v.Trim() == "respond-async") == true))
            issues.Insert(0, new FhirIssue("required", "", "A Bulk Data kick-off needs the header Prefer: respond-async (GET /api/v1/fhir/$export-bundles streams case Bundles synchronously)."));
        if (issues.Count > 0 || parameters is null) return Invalid(issues);

        var request = http.Request;
        var id = await jobs.CreateAsync(caller, $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}",
            parameters.Types, parameters.Since, ct);
        signal.JobQueued();
        http.Response.Headers.ContentLocation = $"{BaseUrl(request)}{StatusPath}/{id}";
        return OperationOutcomes.Result(Accepted("Export job accepted; poll the status URL in Content-Location."), StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Status([Description("The export job's id.")] Guid id, HttpContext http, BulkExportJobs jobs, Caller caller, CancellationToken ct)
    {
        switch (await jobs.FindAsync(id, caller, ct))
        {
            case null:
                return NotFound(id);
            case { Status: "complete" } job:
                http.Response.Headers.Expires = job.ExpiresAt.ToString("R");
                return TypedResults.Json(BulkExportManifest.For(job, $"{BaseUrl(http.Request)}{FilePath}"), contentType: "application/json");
            case { Status: "failed" } job:
                return OperationOutcomes.Result(OperationOutcomes.One("exception", "", job.Error ?? "The export failed."), StatusCodes.Status500InternalServerError);
            case var job:
                http.Response.Headers["X-Progress"] = job.Progress ?? job.Status;
                http.Response.Headers.RetryAfter = "1";
                return TypedResults.StatusCode(StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> Cancel([Description("The export job's id.")] Guid id, BulkExportJobs jobs, Caller caller, CancellationToken ct) =>
        await jobs.CancelAsync(id, caller, ct)
            ? OperationOutcomes.Result(Accepted("The export job was cancelled."), StatusCodes.Status202Accepted)
            : NotFound(id);

    private static async Task<IResult> File(
        [Description("The export job's id.")] Guid id, [Description("The file's resource type, as the manifest lists it.")] string type,
        HttpContext http, BulkExportJobs jobs, CallerDataSource dataSource, IServiceScopeFactory scopes, Caller caller, CancellationToken ct)
    {
        if (await jobs.FindAsync(id, caller, ct) is not { Status: "complete" } job || !job.CountsByType().ContainsKey(type) || !job.Types.Contains(type))
            return OperationOutcomes.Result(OperationOutcomes.One("not-found", "",
                $"Export job '{id}' has no {type} file for this key (the manifest at its status URL lists the files)."), StatusCodes.Status404NotFound);
        await BulkExportFiles.AuditDownloadAsync(dataSource, id, type, caller, RequestIds.Of(http), ct);
        return TypedResults.Stream(body => BulkExportFiles.WriteAsync(job, type, dataSource, scopes, caller, body, ct), FhirSystems.NdjsonMediaType);
    }

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1";

    private static IResult NotFound(Guid id) => OperationOutcomes.Result(OperationOutcomes.One("not-found", "",
        $"No export job '{id}' for this key: it was never started with this key, was cancelled, or has expired."), StatusCodes.Status404NotFound);

    private static IResult Invalid(IEnumerable<FhirIssue> issues) =>
        OperationOutcomes.Result(OperationOutcomes.From(issues), StatusCodes.Status400BadRequest);

    private static JsonObject Accepted(string message) => OperationOutcomes.From([new FhirIssue("informational", "", message)], "information");

    private static readonly JsonObject ParametersExample = new()
    {
        ["resourceType"] = "Parameters",
        ["parameter"] = new JsonArray(
            new JsonObject { ["name"] = "_type", ["valueString"] = "Patient,Condition,MedicationStatement" },
            new JsonObject { ["name"] = "_since", ["valueInstant"] = "2026-01-01T00:00:00Z" },
            new JsonObject { ["name"] = "_outputFormat", ["valueString"] = "application/fhir+ndjson" }),
    };

    private static readonly BulkExportManifest ManifestExample = new(
        new DateTimeOffset(2026, 12, 6, 23, 30, 0, TimeSpan.Zero), "http://localhost:5080/api/v1/fhir/$export?_type=Patient,Encounter", true,
        [
            new("Patient", "http://localhost:5080/api/v1/fhir/$export-file/0195f1a0-0000-7000-8000-0000000000e1/Patient", 2),
            new("Encounter", "http://localhost:5080/api/v1/fhir/$export-file/0195f1a0-0000-7000-8000-0000000000e1/Encounter", 2),
        ], []);

    private const string FileExample = """
        {"resourceType":"Patient","id":"0195f1a0-0000-7000-8000-0000000000a1","gender":"male","managingOrganization":{"reference":"Organization/7428361b-bc8b-44d5-a0a5-f5edc53db9a8"}}
        {"resourceType":"Patient","id":"0195f1a0-0000-7000-8000-0000000000a2","gender":"female","birthDate":"1969","managingOrganization":{"reference":"Organization/4c1e2a6f-5b8d-4f2e-9a3c-1d7e8f9a0b2c"}}

        """;
}
