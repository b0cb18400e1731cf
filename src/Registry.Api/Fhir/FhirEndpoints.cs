using System.Buffers;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Fhir.BulkData;
using Registry.Api.Vocabulary;

using Registry.Api.Drugs;
using Registry.Api.Exports;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.Fhir;

/// <summary>
/// The FHIR R4 interface: a case as a Bundle, a transaction Bundle in, bulk NDJSON out, and the
/// CapabilityStatement. Its own route group, so access policies can be applied to it as a whole.
/// </summary>
public static class FhirEndpoints
{
    public static RouteGroupBuilder MapFhir(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("FHIR").WithoutAcceptNegotiation().AllowingRepeatedQueryParameters();

        group.MapGet("/cases/{id:guid}/fhir", GetCase).WithName("GetCaseAsFhir")
            .WithSummary("Get a case as a FHIR R4 Bundle")
            .WithDescription("""
                The whole case as a FHIR R4 Bundle (`application/fhir+json`): Organization, Patient (pseudonym
                identifier, gender, no names), Encounter, the hemifacial-spasm Condition (SNOMED CT 13753008, ICD-10
                G51.3) and the prior-facial-palsy Condition, a DiagnosticReport per examination with its findings and
                vital signs as Observations (LOINC, UCUM), a Medication and MedicationStatement per drug (ATC), and an
                Observation per outcome assessment. References are `urn:uuid:` fullUrls inside the bundle. A collection
                Bundle by default; `bundleType=transaction` gives one ready to POST to /api/v1/fhir. Mapping: docs/fhir.md.
                """)
            .Produces<JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status400BadRequest, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .WithMetadata(new FhirExample(StatusCodes.Status200OK, FhirExampleKind.Bundle))
            .WithMetadata(new FhirExample(StatusCodes.Status400BadRequest, FhirExampleKind.BadRequest))
            .WithMetadata(new FhirExample(StatusCodes.Status404NotFound, FhirExampleKind.NotFound));

        group.MapPost("/fhir", Import).WithName("ImportFhirBundle")
            .WithSummary("Create a case from a FHIR R4 transaction Bundle")
            .WithDescription("""
                Reads a transaction Bundle shaped as `GET /cases/{id}/fhir?bundleType=transaction` writes it, maps it
                to a case document, validates it with the same rules as `POST /cases`, and stores it in one
                transaction. The Organization must carry an existing registry hospital id (identifier system
                `https://hfs-registry.example/fhir/sid/hospital-id`). Answers 200 with a transaction-response Bundle.
                Anything that cannot be mapped or is invalid is an OperationOutcome naming each entry and element
                (`Bundle.entry[3].resource.gender`) and the registry field, and nothing is stored: 400 for a body that
                is not a transaction Bundle, 422 for one the registry cannot hold, 409 when the hospital already has
                the Encounter's sourceCaseId. Accepts `application/fhir+json` and `application/json`; any other
                media type is refused by routing with a 415 OperationOutcome. Every error on the FHIR routes, 401 and
                403 included, is an OperationOutcome, whatever the request's Accept header.
                """)
            .Accepts<JsonObject>(FhirSystems.MediaType, "application/json")
            .Produces<JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status400BadRequest, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status409Conflict, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status415UnsupportedMediaType, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status422UnprocessableEntity, FhirSystems.MediaType)
            .WithMetadata(new FhirExample(null, FhirExampleKind.Transaction))
            .WithMetadata(new FhirExample(StatusCodes.Status200OK, FhirExampleKind.TransactionResponse))
            .WithMetadata(new FhirExample(StatusCodes.Status400BadRequest, FhirExampleKind.BadRequest))
            .WithMetadata(new FhirExample(StatusCodes.Status409Conflict, FhirExampleKind.Conflict))
            .WithMetadata(new FhirExample(StatusCodes.Status422UnprocessableEntity, FhirExampleKind.Unprocessable))
            .RequireAuthorization(Policies.Write)
            .WithIdempotency();

        group.MapGet("/fhir/$export-bundles", Export).WithName("ExportFhirNdjson")
            .WithSummary("Synchronous export: every matching case as an NDJSON line of its Bundle")
            .WithDescription("""
                The registry's own synchronous export (the FHIR Bulk Data export is the asynchronous `GET /fhir/$export`).
                Streams `application/fhir+ndjson`: one line per case, each line a whole collection Bundle exactly as
                `GET /cases/{id}/fhir` returns it, in case-id order. Takes the filters of `GET /cases` (drug, outcome,
                sex, age, side, hospital, presentation period). Cases are read in batches and written as they are
                read, so memory stays flat however many cases match; an empty result is an empty body.

                **Incremental** (`since`, the same cursors as `GET /cases/export`; `0` to start): the matching cases
                created or changed since the cursor, each once, as its Bundle; then per case deleted since, a `history`
                Bundle with the case's id and identifier whose one entry is the `DELETE` of its Encounter (response `204`,
                `lastModified` = the deletion time); then a last line `{"resourceType":"Parameters","parameter":[{"name":"nextSince","valueString":"<cursor>"}]}`.
                The `Export-Next-Since` header carries the same cursor. A case written again while the export runs is
                left for the next export. A malformed cursor is a 400 OperationOutcome naming `since`. (FHIR's own
                `_since`, an instant, belongs to the asynchronous `$export`; docs/fhir.md.)
                """)
            .WithResponseHeader(StatusCodes.Status200OK, ExportCursor.Header,
                "With `since`: the cursor to pass as `since` next time (the snapshot this export read from).")
            .Produces<string>(StatusCodes.Status200OK, FhirSystems.NdjsonMediaType)
            .WithMetadata(new FhirExample(StatusCodes.Status200OK, FhirExampleKind.Ndjson));

        group.MapGet("/fhir/metadata", Metadata).WithName("GetFhirCapabilityStatement")
            .WithSummary("FHIR CapabilityStatement")
            .WithDescription("What the registry's FHIR R4 (4.0.1) interface supports: resources, the transaction interaction, $export and the registry's extensions.")
            .Produces<JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .WithMetadata(new FhirExample(StatusCodes.Status200OK, FhirExampleKind.CapabilityStatement))
            .AllowAnonymous();

        group.MapGet("/fhir/StructureDefinition/{id}", GetExtensionDefinition).WithName("GetFhirExtensionDefinition")
            .WithSummary("A registry extension's StructureDefinition")
            .WithDescription("""
                The definition of one of the registry's FHIR extensions (the CapabilityStatement lists them; docs/fhir.md
                maps each to its registry field): where it may appear and its value type, as a differential on Extension.
                404 OperationOutcome for an id the registry does not define.
                """)
            .Produces<JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status200OK, () => FhirJson.Node(FhirExtensions.Definition(FhirExtensions.All[0])))
            .WithResponseExample(StatusCodes.Status404NotFound, () => OperationOutcomes.One("not-found", "",
                "The registry defines no StructureDefinition 'no-such-extension'; GET /api/v1/fhir/metadata lists its extensions."))
            .AllowAnonymous();

        group.MapFhirBulkExport();
        return group;
    }

    private static async Task<IResult> GetCase(
        [Description("The case's id.")] Guid id,
        [Description("collection (default) or transaction (ready to POST to /api/v1/fhir).")] string? bundleType,
        RegistryDb db, CallerDataSource dataSource, DrugCatalog drugs, Caller caller, CancellationToken ct)
    {
        if (bundleType is not (null or "collection" or "transaction"))
            return OperationOutcomes.Result(OperationOutcomes.One("value", "bundleType", "Use collection or transaction."), StatusCodes.Status400BadRequest);
        var found = await FhirCases.LoadAsync(db, dataSource, drugs, [id], caller, ct);
        return found.Count == 0
            ? OperationOutcomes.Result(OperationOutcomes.One("not-found", "", $"No case has id '{id}'."), StatusCodes.Status404NotFound)
            : OperationOutcomes.Result(CaseToFhir.Build(found[0], bundleType == "transaction"));
    }

    private static async Task<IResult> Import(
        HttpRequest request, DrugCatalog drugs, IValidator<CaseDocument> validator, CaseWriter writer, RegistryDb db, CancellationToken ct)
    {
        var mediaType = request.ContentType is { } contentType && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed.MediaType.Value : null;
        if (mediaType is not (FhirSystems.MediaType or "application/json"))
            return OperationOutcomes.Result(OperationOutcomes.One("not-supported", "", "Send the Bundle as application/fhir+json (or application/json)."),
                StatusCodes.Status415UnsupportedMediaType);

        var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        Hl7.Fhir.Model.Resource? root;
        IReadOnlyList<Hl7.Fhir.Utility.CodedException> parseIssues;
        try
        {
            (root, parseIssues) = FhirJson.Parse(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or Hl7.Fhir.Utility.CodedException)
        {
            // Not JSON, or JSON whose shape the parser cannot follow at all (an object where entry's array belongs).
            return OperationOutcomes.Result(OperationOutcomes.One("structure", "Bundle", $"The body is not valid FHIR JSON ({ex.Message})."), StatusCodes.Status400BadRequest);
        }

        var import = new FhirToCase(await drugs.AllAsync(ct)).Read(root, parseIssues);
        if (import.Document is not { } document)
            return OperationOutcomes.Result(OperationOutcomes.From(import.Issues), import.Status);

        var validation = await validator.ValidateAsync(document, ct);
        if (!validation.IsValid)
            return Unprocessable(import, validation.Errors.Select(e => (e.PropertyName, e.ErrorMessage)));

        return await writer.CreateAsync(document, null, ct) switch
        {
            CaseWriteResult.Created created => OperationOutcomes.Result(
                TransactionResponse((Hl7.Fhir.Model.Bundle)root!, await FhirCases.LoadStoredAsync(db, drugs, created.Id, ct))),
            CaseWriteResult.Invalid invalid => Unprocessable(import, invalid.Errors.SelectMany(e => e.Value.Select(m => (e.Key, m)))),
            CaseWriteResult.Duplicate duplicate => OperationOutcomes.Result(OperationOutcomes.One("duplicate", import.ExpressionFor("sourceCaseId"),
                $"This hospital already has a case with sourceCaseId '{duplicate.SourceCaseId}': /api/v1/cases/{duplicate.ExistingId} " +
                $"(as FHIR: /api/v1/cases/{duplicate.ExistingId}/fhir). Nothing was stored; correct it with PUT /api/v1/cases/{duplicate.ExistingId}."),
                StatusCodes.Status409Conflict),
            // As for POST /cases: a hospital key writes to its own hospital only.
            CaseWriteResult.Forbidden => OperationOutcomes.Result(OperationOutcomes.One("forbidden", import.ExpressionFor("hospitalId"),
                "This key may only write to its own hospital; the Bundle's Organization names another."), StatusCodes.Status403Forbidden),
            var other => throw new InvalidOperationException($"Unexpected result {other}"),
        };
    }

    private static IResult Unprocessable(FhirImport import, IEnumerable<(string Field, string Message)> errors) =>
        OperationOutcomes.Result(OperationOutcomes.From(errors.Select(e =>
                new FhirIssue("invalid", import.ExpressionFor(e.Field), $"Registry field {e.Field}: {e.Message}"))),
            StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// FHIR's answer to a transaction: one response per entry, in entry order, each the location of the resource
    /// stored for it as a versioned REST URL ([type]/{id}/_history/{vid}). The stored case lists its resources of
    /// each type in the order the bundle gave them, so the n-th entry of a type is the n-th stored resource of it.
    /// </summary>
    private static Hl7.Fhir.Model.Bundle TransactionResponse(Hl7.Fhir.Model.Bundle bundle, FhirCase stored)
    {
        var byType = CaseToFhir.Build(stored, transaction: false, restReferences: true).Entry
            .Select(e => e.Resource).GroupBy(r => r.TypeName).ToDictionary(g => g.Key, g => new Queue<Hl7.Fhir.Model.Resource>(g));
        string Version(Hl7.Fhir.Model.Resource r) => r switch
        {
            Hl7.Fhir.Model.Organization => stored.Hospital.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Hl7.Fhir.Model.Patient => stored.Patient.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => stored.Case.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new()
        {
            Type = Hl7.Fhir.Model.Bundle.BundleType.TransactionResponse,
            Entry = bundle.Entry.Select(e =>
            {
                var resource = byType.GetValueOrDefault(e.Resource.TypeName)?.TryDequeue(out var r) == true ? r : null;
                return new Hl7.Fhir.Model.Bundle.EntryComponent
                {
                    Response = new Hl7.Fhir.Model.Bundle.ResponseComponent
                    {
                        Status = e.Resource is Hl7.Fhir.Model.Organization ? "200 OK" : "201 Created",
                        Location = resource is null ? null : $"{resource.TypeName}/{resource.Id}/_history/{Version(resource)}",
                        Etag = resource is null ? null : $"W/\"{Version(resource)}\"",
                    },
                };
            }).ToList(),
        };
    }

    private static IResult Export(
        [AsParameters] FhirExportQuery query, CallerDataSource dataSource,
        [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource read, IServiceScopeFactory scopes, Caller caller,
        HttpResponse response, CancellationToken ct) =>
        TypedResults.Stream(async body =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            if (query.Since is null)
            {
                // Which cases match: from the read source (a replica); the cases themselves, audited, from the primary.
                await StreamAsync(FhirCases.MatchingIdBatchesAsync(read, query, ct), _ => true);
                return;
            }

            // Incremental: which cases changed (and were deleted) from one snapshot of the read source, which is also
            // the next cursor, known before the first line (Exports/ChangeFeed).
            await using var feed = await ChangeFeed.OpenAsync(read, query.Since, ct);
            response.Headers[ExportCursor.Header] = feed.Next;
            var versions = new Dictionary<Guid, int>();
            await StreamAsync(FhirChanges.ChangedIdBatchesAsync(feed, query, versions, ct), loaded => FhirChanges.AsSnapshotSaw(loaded, versions));
            foreach (var tombstone in await feed.TombstonesAsync(ct)) await WriteLineAsync(FhirChanges.Tombstone(tombstone));
            await WriteLineAsync(FhirChanges.Trailer(feed.Next));
            await body.FlushAsync(ct);

            // One case at a time into one reused buffer, then onto the wire: memory stays flat however many cases
            // match. The next batch is read from the database while this one is serialized (at most one batch
            // ahead), so PostgreSQL's work and the API's overlap instead of taking turns.
            async Task StreamAsync(IAsyncEnumerable<List<Guid>> idBatches, Func<FhirCase, bool> send)
            {
                Task<List<FhirCase>>? ahead = null;
                try
                {
                    await foreach (var ids in idBatches)
                    {
                        var reading = FhirCases.LoadBatchAsync(scopes, dataSource, ids, caller, ct);
                        if (ahead is not null) await WriteAsync(await ahead, send);
                        ahead = reading;
                    }
                    if (ahead is not null) await WriteAsync(await ahead, send);
                    ahead = null;
                }
                finally
                {
                    // A failed write (the client went away) leaves the batch read ahead running: let it end before its scope is let go.
                    if (ahead is not null) await ahead.ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }

            async Task WriteAsync(List<FhirCase> batch, Func<FhirCase, bool> send)
            {
                foreach (var source in batch.Where(send)) await WriteLineAsync(CaseToFhir.Build(source, transaction: false));
                await body.FlushAsync(ct);
            }

            Task WriteLineAsync(Hl7.Fhir.Model.Resource resource) => FhirJson.WriteLineAsync(resource, buffer, body, ct);
        }, $"{FhirSystems.NdjsonMediaType}");

    /// <summary>FHIR clients ask for <c>metadata?_summary=true</c> to check the version; the statement is small, so it comes whole.</summary>
    private static IResult Metadata(HttpRequest request,
        [FromQuery(Name = "_summary"), Description("Accepted as FHIR clients send it; the whole statement is returned.")] string? summary) =>
        OperationOutcomes.Result(CapabilityStatement.For($"{request.Scheme}://{request.Host}/api/v1/fhir"));

    private static IResult GetExtensionDefinition([Description("The extension's id, e.g. day-offset.")] string id) =>
        FhirExtensions.ById(id) is { } extension
            ? OperationOutcomes.Result(FhirExtensions.Definition(extension))
            : OperationOutcomes.Result(OperationOutcomes.One("not-found", "",
                $"The registry defines no StructureDefinition '{id}'; GET /api/v1/fhir/metadata lists its extensions."), StatusCodes.Status404NotFound);
}
