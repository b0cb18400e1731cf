using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Security;
using Registry.Api.Vocabulary;

using Registry.Api.Drugs;
using Registry.Api.Data;

namespace Registry.Api.Cases;

/// <summary>GET /cases/{id}/versions and /versions/{version}: every version of a case, as it was written.</summary>
public static class CaseVersionEndpoints
{
    public static RouteGroupBuilder MapCaseVersions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/cases/{id:guid}/versions").WithTags("Cases");

        group.MapGet("/", List).WithName("ListCaseVersions")
            .WithSummary("List a case's versions")
            .WithDescription("""
                Every version of the case, oldest first: each write (POST, PUT, a change to one of its diagnostics,
                medications or outcomes, a FHIR import, bulk ingest) stored the whole case as it was. A deleted case
                keeps its history, ending with a version marked `deleted`; only admins may read it, anyone else gets
                410 Gone.
                """)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithResponseExample(StatusCodes.Status200OK, new CaseVersionList(Guid.Parse("96779884-1e8a-4081-b248-6f698b027e6e"),
            [
                new CaseVersionSummary(1, new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero), false),
                new CaseVersionSummary(2, new DateTimeOffset(2026, 11, 24, 14, 30, 0, TimeSpan.Zero), false),
            ]));
        group.MapGet("/{version}", Get).WithName("GetCaseVersion")
            .WithSummary("Get one version of a case")
            .WithDescription("""
                The whole case as it was at that version, in the shape of `GET /cases/{id}` (its `version` is this
                one). Audited as a read of the case. The version that records a deletion, and any version of a
                deleted case for a caller who is not an admin, is 410 Gone.
                """)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
        return group;
    }

    private static async Task<Results<Ok<CaseVersionList>, ProblemHttpResult>> List(
        [Description("The case's id.")] Guid id, CallerDataSource dataSource, Caller caller, CancellationToken ct)
    {
        var versions = await CaseVersions.ListAsync(dataSource, id, ct);
        if (versions.Count == 0) return Problems.NotFound("case", id);
        if (!CaseVersions.MayRead(versions, caller)) return Gone(id);
        return TypedResults.Ok(new CaseVersionList(id, versions));
    }

    private static async Task<Results<Ok<CaseResponse>, ProblemHttpResult>> Get(
        [Description("The case's id.")] Guid id, [Description("The version, from 1.")] string version,
        CallerDataSource dataSource, DrugCatalog drugs, Caller caller, HttpContext http, CancellationToken ct)
    {
        var versions = await CaseVersions.ListAsync(dataSource, id, ct);
        if (versions.FirstOrDefault(v => v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) == version) is not { } found)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Case version not found.",
                detail: $"Case '{id}' has no version '{version}' the caller may read; GET /api/v1/cases/{id}/versions lists them.");
        if (found.Deleted || !CaseVersions.MayRead(versions, caller)) return Gone(id);
        var stored = await WholeCases.ReadVersionAuditedAsync(dataSource, [id], found.Version, caller, RequestIds.Of(http), ct);
        var response = stored.Single().ToResponse(await drugs.AllAsync(ct));
        return TypedResults.Ok(response with { SourceCaseId = caller.VisibleSourceCaseId(response.SourceCaseId) });
    }

    private static ProblemHttpResult Gone(Guid id) => TypedResults.Problem(statusCode: StatusCodes.Status410Gone,
        title: "Case deleted.", detail: $"Case '{id}' was deleted; its history is readable by admins only.");
}
