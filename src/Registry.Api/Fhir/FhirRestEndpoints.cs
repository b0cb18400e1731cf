using System.ComponentModel;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Common;
using FhirBundle = Hl7.Fhir.Model.Bundle;

namespace Registry.Api.Fhir;

/// <summary>
/// FHIR's RESTful interactions on the resources a case exports: read, vread, instance history and search under
/// /api/v1/fhir/{type}. Resources and their ids: FhirResources; search: FhirSearch; the mapping: docs/fhir.md.
/// </summary>
public static class FhirRestEndpoints
{
    public static RouteGroupBuilder MapFhirRest(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/fhir").WithTags("FHIR").WithoutAcceptNegotiation().AllowingRepeatedQueryParameters();

        group.MapGet("/{type}", Search).WithName("SearchFhirResources")
            .WithSummary("Search resources of one type")
            .WithDescription($"""
                A searchset Bundle (`application/fhir+json`), one page at a time: `_count` (1 to 200, default 50), a
                `next` link while more remain (keyset paging: follow it unchanged), and `total` when at most
                {FhirSearch.TotalLimit:N0} resources match. Parameters by type: Patient `identifier`, `gender`;
                Encounter `identifier` (sourceCaseId), `subject`; Condition `code` (SNOMED CT or ICD-10, e.g.
                `http://snomed.info/sct|13753008`), `subject`; MedicationStatement `code` (ATC), `subject`,
                `_include=MedicationStatement:medication`; Observation `code` (LOINC), `subject`; DiagnosticReport
                `subject`; every type `_id` and `_lastUpdated` (gt, ge, lt, le, eq). Observation and DiagnosticReport
                are searched within one patient (`subject`) or by `_id`, Medication by `_id`. A parameter the type does not
                support is a 400 OperationOutcome naming it; an unknown type is a 404.
                """)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status400BadRequest, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status200OK, () => Examples.Bundle(FhirBundle.BundleType.Searchset));

        group.MapGet("/{type}/{id}", Read).WithName("ReadFhirResource")
            .WithSummary("Read one resource")
            .WithDescription("""
                The current version of one resource a case exports, with `meta.versionId`, `meta.lastUpdated` and
                `ETag: W/"n"`. A case's resources carry the case's version; Patient and Organization their own row's.
                References are relative REST URLs (`Patient/{id}`). 404 OperationOutcome for an unknown type or id,
                410 for a resource of a deleted case.
                """)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status410Gone, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status200OK, () => FhirJson.Node(Examples.Organization()));

        group.MapGet("/{type}/{id}/_history", History).WithName("GetFhirResourceHistory")
            .WithSummary("Every version of one resource")
            .WithDescription("""
                A history Bundle, newest first: the resource at each version of its case (a deletion is an entry with
                request DELETE and no resource). A deleted case's history is readable by admins only. Patient and
                Organization list their current version.
                """)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status200OK, () => Examples.Bundle(FhirBundle.BundleType.History));

        group.MapGet("/{type}/{id}/_history/{vid}", VRead).WithName("VReadFhirResource")
            .WithSummary("Read one version of a resource")
            .WithDescription("""
                The resource as it was at version `vid` of its case, built from the case as stored then
                (GET /cases/{id}/versions/{version}). 404 when the resource did not exist at that version, 410 for the
                version that deleted it.
                """)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status404NotFound, FhirSystems.MediaType)
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status410Gone, FhirSystems.MediaType)
            .WithResponseExample(StatusCodes.Status200OK, () => FhirJson.Node(Examples.Organization()));

        return group;
    }

    private static async Task<IResult> Search(
        [Description("The resource type, e.g. Condition.")] string type, [AsParameters] FhirSearchQuery query,
        FhirSearch search, HttpRequest request, CancellationToken ct)
    {
        if (!FhirResources.Types.Contains(type)) return UnknownType(type);
        var result = await search.SearchAsync(type, query, BaseUrl(request), $"{BaseUrl(request)}/{type}{request.QueryString}", ct);
        return result.Refusal is { } refusal
            ? OperationOutcomes.Result(OperationOutcomes.From(refusal.Issues), StatusCodes.Status400BadRequest)
            : OperationOutcomes.Result(result.Bundle!);
    }

    private static Task<IResult> Read(
        [Description("The resource type, e.g. Patient.")] string type, [Description("The resource's id.")] string id,
        FhirResources resources, HttpResponse response, CancellationToken ct) => ReadAsync(type, id, null, resources, response, ct);

    private static async Task<IResult> VRead(
        [Description("The resource type, e.g. Patient.")] string type, [Description("The resource's id.")] string id,
        [Description("The version (meta.versionId).")] string vid, FhirResources resources, HttpResponse response, CancellationToken ct) =>
        int.TryParse(vid, out var version) && version >= 1
            ? await ReadAsync(type, id, version, resources, response, ct)
            : NotFound($"{type}/{id} has no version '{vid}'.");

    private static async Task<IResult> ReadAsync(string type, string id, int? version, FhirResources resources, HttpResponse response, CancellationToken ct)
    {
        if (!FhirResources.Types.Contains(type)) return UnknownType(type);
        switch (await resources.ReadAsync(type, id, version, ct))
        {
            case FhirRead.Found found:
                response.Headers.ETag = found.Resource.ETag;
                response.Headers.LastModified = found.Resource.LastUpdated.ToString("R");
                return OperationOutcomes.Result(found.Resource.Resource);
            case FhirRead.Gone gone:
                return OperationOutcomes.Result(OperationOutcomes.One("deleted", "", gone.Diagnostics), StatusCodes.Status410Gone);
            case FhirRead.NotFound notFound:
                return NotFound(notFound.Diagnostics);
            default:
                throw new InvalidOperationException("Unexpected read result");
        }
    }

    private static async Task<IResult> History(
        [Description("The resource type, e.g. Condition.")] string type, [Description("The resource's id.")] string id,
        [FromQuery(Name = "_summary"), Description("false (the default) only: history entries carry whole resources.")] string? summary,
        FhirResources resources, HttpRequest request, CancellationToken ct)
    {
        if (!FhirResources.Types.Contains(type)) return UnknownType(type);
        if (summary is not (null or "false"))
            return OperationOutcomes.Result(OperationOutcomes.One("not-supported", "_summary", "Only _summary=false is supported."), StatusCodes.Status400BadRequest);
        if (await resources.HistoryAsync(type, id, ct) is not { } versions) return NotFound($"No {type} has id '{id}'.");
        var baseUrl = BaseUrl(request);
        var oldest = versions.Min(v => v.Version);
        return OperationOutcomes.Result(new FhirBundle
        {
            Type = FhirBundle.BundleType.History,
            Total = versions.Count,
            Link = [new FhirBundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/{type}/{id}/_history" }],
            Entry = versions.Select(v => new FhirBundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{type}/{id}",
                Resource = v.Deleted ? null : v.Resource,
                Request = new FhirBundle.RequestComponent
                {
                    Method = v.Deleted ? FhirBundle.HTTPVerb.DELETE : v.Version == oldest ? FhirBundle.HTTPVerb.POST : FhirBundle.HTTPVerb.PUT,
                    Url = v.Version == oldest && !v.Deleted ? type : $"{type}/{id}",
                },
                Response = new FhirBundle.ResponseComponent
                {
                    Status = v.Deleted ? "204" : v.Version == oldest ? "201" : "200",
                    Etag = v.ETag,
                    LastModified = v.LastUpdated,
                },
            }).ToList(),
        });
    }

    /// <summary>The OpenAPI examples: the first seed's hospital as a resource, alone or in a Bundle.</summary>
    private static class Examples
    {
        private const string Id = "7428361b-bc8b-44d5-a0a5-f5edc53db9a8";

        public static Organization Organization() => new()
        {
            Id = Id,
            Meta = new Meta { VersionId = "1", LastUpdated = new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero) },
            Identifier = [new Identifier(FhirSystems.HospitalIdSystem, Id)],
            Active = true,
            Name = "Beijing Tiantan Hospital",
        };

        public static System.Text.Json.Nodes.JsonObject Bundle(FhirBundle.BundleType type) => FhirJson.Node(new FhirBundle
        {
            Type = type,
            Total = 1,
            Link = [new FhirBundle.LinkComponent { Relation = "self", Url = $"http://localhost:5080/api/v1/fhir/Organization{(type == FhirBundle.BundleType.History ? $"/{Id}/_history" : $"?_id={Id}")}" }],
            Entry =
            [
                new FhirBundle.EntryComponent
                {
                    FullUrl = $"http://localhost:5080/api/v1/fhir/Organization/{Id}",
                    Resource = Organization(),
                    Search = type == FhirBundle.BundleType.Searchset ? new FhirBundle.SearchComponent { Mode = FhirBundle.SearchEntryMode.Match } : null,
                    Request = type == FhirBundle.BundleType.History ? new FhirBundle.RequestComponent { Method = FhirBundle.HTTPVerb.POST, Url = "Organization" } : null,
                    Response = type == FhirBundle.BundleType.History ? new FhirBundle.ResponseComponent { Status = "201", Etag = "W/\"1\"" } : null,
                },
            ],
        });
    }

    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/fhir";

    private static IResult UnknownType(string type) => NotFound(
        $"The registry serves no resource type '{type}'. It serves: {string.Join(", ", FhirResources.Types)}; GET /api/v1/fhir/metadata.");

    private static IResult NotFound(string diagnostics) =>
        OperationOutcomes.Result(OperationOutcomes.One("not-found", "", diagnostics), StatusCodes.Status404NotFound);
}
