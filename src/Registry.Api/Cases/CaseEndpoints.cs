using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.CaseChildren;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Drugs;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.Cases;

public static class CaseEndpoints
{
    public static IServiceCollection AddCases(this IServiceCollection services) =>
        services.AddScoped<CaseWriter>().AddSingleton<ICaseDerivedColumns, SummaryColumns.Refresh>();

    public static RouteGroupBuilder MapCases(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/cases").WithTags("Cases");

        group.MapGet("/", List).WithName("ListCases")
            .WithNotAcceptableHint("For CSV or NDJSON, GET /api/v1/cases/export?format=csv (or ndjson) takes the same filters.")
            .WithSummary("Search cases")
            .WithDescription("""
                Cases matching every filter given, one page at a time (keyset paging: pass `nextCursor` back as
                `cursor`; it is null on the last page). Each item is the case's own fields with its drugs and final
                outcome — `GET /cases/{id}` returns the whole case. Unknown drug codes and invalid enum values are
                400s, not empty pages.
                """);
        group.MapGet("/{id:guid}", Get).WithName("GetCase")
            .WithSummary("Get a whole case")
            .WithDescription("The case with its diagnostics, medications (with each drug's ATC code and class) and outcomes, and its final outcome.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).WithName("CreateCase")
            .WithSummary("Submit a whole case")
            .WithDescription("""
                Stores a whole case document — the case with nested `diagnostics`, `medications` and `outcomes` —
                in one transaction: all of it or nothing. Name the patient by `patientId`, or inline as `patient`
                (matched by pseudonym within `hospitalId`, else created). `hospitalId` is derived from the patient
                when absent; a mismatch is a 400. A `sourceCaseId` the hospital already used answers 409 with the
                existing case's id and location, so a re-sent case is never duplicated.
                """)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(Policies.Write)
            .WithIdempotency();
        group.MapPut("/{id:guid}", Replace).WithName("ReplaceCase")
            .WithSummary("Correct a case")
            .WithDescription("""
                Replaces the case's own fields with the document's. Each child list the document carries
                (`diagnostics`, `medications`, `outcomes`) replaces the stored one wholesale; a list left out is
                kept as stored. The version increases by one. A case cannot move to another hospital. Send If-Match
                with the ETag of your last read.
                """)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(Policies.Write)
            .WithIdempotency();
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteCase")
            .WithSummary("Delete a case")
            .WithDescription("Deletes the case with its diagnostics, medications and outcomes. The patient is kept. Send If-Match with the ETag of your last read.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Policies.Write)
            .WithIdempotency();

        return group;
    }

    private static async Task<Ok<CasePage>> List(
        [AsParameters] CaseListQuery query, [FromKeyedServices(RegistryDataSources.Read)] CallerDataSource dataSource, Caller caller, CancellationToken ct) =>
        TypedResults.Ok(await CaseListQueries.ReadPageAsync(dataSource, query, caller, ct));

    /// <summary>Every read of a whole case is audited; analysts get it without the hospital's source id.</summary>
    private static async Task<Results<Ok<CaseResponse>, ProblemHttpResult>> Get(
        [Description("The case's id.")] Guid id, CallerDataSource dataSource, DrugCatalog drugs, Caller caller,
        HttpContext http, CancellationToken ct)
    {
        if (await WholeCases.ReadAuditedAsync(dataSource, [id], caller, RequestIds.Of(http), ct) is not [var found])
            return Problems.NotFound("case", id);
        var response = found.ToResponse(await drugs.AllAsync(ct));
        return TypedResults.Ok(response with { SourceCaseId = caller.VisibleSourceCaseId(response.SourceCaseId) });
    }

    // Each write runs on one pooled connection: its lookups, its save and the read of what it stored.
    private static Task<Results<Created<CaseResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CaseDocument document, CaseWriter writer, RegistryDb db, DrugCatalog drugs, CancellationToken ct) =>
        db.OnOneConnectionAsync<Results<Created<CaseResponse>, ValidationProblem, ProblemHttpResult>>(async () =>
            await writer.CreateAsync(document, null, ct) switch
            {
                CaseWriteResult.Created created => TypedResults.Created(
                    $"/api/v1/cases/{created.Id}", await StoredAsync(db, drugs, created.Id, ct)),
                CaseWriteResult.Invalid invalid => Problems.Invalid(invalid.Errors),
                CaseWriteResult.Duplicate duplicate => DuplicateProblem(duplicate),
                CaseWriteResult.Forbidden forbidden => forbidden.Problem,
                var other => throw new InvalidOperationException($"Unexpected result {other}"),
            }, ct);

    private static Task<Results<Ok<CaseResponse>, ValidationProblem, ProblemHttpResult>> Replace(
        [Description("The case's id.")] Guid id, CaseDocument document,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch,
        CaseWriter writer, RegistryDb db, DrugCatalog drugs, CancellationToken ct) =>
        db.OnOneConnectionAsync<Results<Ok<CaseResponse>, ValidationProblem, ProblemHttpResult>>(async () =>
            await writer.ReplaceAsync(id, document, ifMatch, ct) switch
            {
                CaseWriteResult.Updated => TypedResults.Ok(await StoredAsync(db, drugs, id, ct)),
                CaseWriteResult.NotFound => Problems.NotFound("case", id),
                CaseWriteResult.PreconditionFailed failed => failed.Problem,
                CaseWriteResult.Forbidden forbidden => forbidden.Problem,
                CaseWriteResult.Invalid invalid => Problems.Invalid(invalid.Errors),
                CaseWriteResult.Duplicate duplicate => DuplicateProblem(duplicate),
                var other => throw new InvalidOperationException($"Unexpected result {other}"),
            }, ct);

    private static Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The case's id.")] Guid id,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch, RegistryDb db, CancellationToken ct)
        // The database cascades to the case's diagnostics, medications and outcomes.
        => db.DeleteVersionedAsync(db.Cases, id, "case", ifMatch, ct);

    /// <summary>What a write just stored, as the answer to it: read on the write's own context (see WholeCases.ReadAsync).</summary>
    private static async Task<CaseResponse> StoredAsync(RegistryDb db, DrugCatalog drugs, Guid id, CancellationToken ct) =>
        (await WholeCases.ReadAsync(db, [id], ct)).Single().ToResponse(await drugs.AllAsync(ct));

    private static ProblemHttpResult DuplicateProblem(CaseWriteResult.Duplicate duplicate) => Problems.Conflict(
        "Case already registered.",
        $"This hospital already has a case with sourceCaseId '{duplicate.SourceCaseId}'. Correct it with PUT /api/v1/cases/{duplicate.ExistingId}.",
        new Dictionary<string, object?>
        {
            ["existingCaseId"] = duplicate.ExistingId,
            ["existingCaseLocation"] = $"/api/v1/cases/{duplicate.ExistingId}",
        });
}
