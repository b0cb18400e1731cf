using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Diagnostics;

public static class DiagnosticEndpoints
{
    public static RouteGroupBuilder MapDiagnostics(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Diagnostics");

        group.MapGet("/cases/{caseId:guid}/diagnostics", List).WithName("ListDiagnostics")
            .WithSummary("List a case's diagnostics")
            .WithDescription("Every examination and test of the case, ordered by day (undated last), then by when it was recorded.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/cases/{caseId:guid}/diagnostics", Create).WithName("CreateDiagnostic")
            .WithSummary("Add a diagnostic to a case")
            .WithDescription("Records an examination or test of the case. Its day counts from admission (day 0); " +
                "measurements carry UCUM units (Cel, mm[Hg], /min). The id is generated and returned in the body and the Location header.")
            .WithRequestExample(Examples.VitalSigns)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/diagnostics/{id:guid}", Get).WithName("GetDiagnostic")
            .WithSummary("Get a diagnostic")
            .WithDescription("One diagnostic by id.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/diagnostics/{id:guid}", Update).WithName("UpdateDiagnostic")
            .WithSummary("Replace a diagnostic")
            .WithDescription("Replaces every field of the diagnostic (fields left out become empty); its version increases by one. " +
                "It stays with its case.")
            .WithRequestExample(Examples.VitalSigns)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/diagnostics/{id:guid}", Delete).WithName("DeleteDiagnostic")
            .WithSummary("Delete a diagnostic")
            .WithDescription("Deletes one diagnostic; the case and its other records are unchanged.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<Results<Ok<List<DiagnosticResponse>>, ProblemHttpResult>> List(
        [Description("The case's id.")] Guid caseId, RegistryDb db, CancellationToken ct)
    {
        var diagnostics = await db.Diagnostics.AsNoTracking().Where(d => d.CaseId == caseId)
            .OrderBy(d => d.Day).ThenBy(d => d.CreatedAt).ThenBy(d => d.Id)
            .Select(d => d.ToResponse()).ToListAsync(ct);
        if (diagnostics.Count == 0 && !await db.CaseExistsAsync(caseId, ct)) return Problems.NotFound("case", caseId);
        return TypedResults.Ok(diagnostics);
    }

    private static async Task<Results<Created<DiagnosticResponse>, ProblemHttpResult>> Create(
        [Description("The case's id.")] Guid caseId, DiagnosticRequest request, RegistryDb db, CancellationToken ct)
    {
        if (await db.HospitalOfCaseAsync(caseId, ct) is not { } hospitalId) return Problems.NotFound("case", caseId);
        if (await db.Diagnostics.CountAsync(d => d.CaseId == caseId, ct) >= RequestLimits.ChildrenPerCase)
            return CaseChildren.TooMany("diagnostics");

        var diagnostic = request.ToEntity(caseId, hospitalId);
        db.Diagnostics.Add(diagnostic);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/diagnostics/{diagnostic.Id}", diagnostic.ToResponse());
    }

    private static async Task<Results<Ok<DiagnosticResponse>, ProblemHttpResult>> Get(
        [Description("The diagnostic's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Diagnostics.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } diagnostic
            ? TypedResults.Ok(diagnostic.ToResponse())
            : Problems.NotFound("diagnostic", id);

    private static async Task<Results<Ok<DiagnosticResponse>, ProblemHttpResult>> Update(
        [Description("The diagnostic's id.")] Guid id, DiagnosticRequest request, RegistryDb db, CancellationToken ct)
    {
        var diagnostic = await db.Diagnostics.FirstOrDefaultAsync(d => d.Id == id, ct);
        if (diagnostic is null) return Problems.NotFound("diagnostic", id);

        request.ApplyTo(diagnostic);
        // A change to the measurements alone touches only the owned JSON entries; marking the diagnostic
        // itself modified makes every PUT bump its version and timestamp.
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return CaseChildren.ChangedMeanwhile("diagnostic", id);
        }
        return TypedResults.Ok(diagnostic.ToResponse());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The diagnostic's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Diagnostics.Where(d => d.Id == id).ExecuteDeleteAsync(ct) == 0
            ? Problems.NotFound("diagnostic", id)
            : TypedResults.NoContent();

    private static class Examples
    {
        /// <summary>Case 2 (Harbin, January 2022): the vital signs taken on admission.</summary>
        public static readonly DiagnosticRequest VitalSigns = new(
            Kind: DiagnosticKind.VitalSigns,
            Day: 0,
            Result: DiagnosticResult.Normal,
            Findings: ["clear consciousness", "stable vital signs"],
            Summary: "Vital signs stable on admission.",
            Measurements:
            [
                new("body-temperature", 36.6m, "Cel"),
                new("systolic-blood-pressure", 110m, "mm[Hg]"),
                new("diastolic-blood-pressure", 70m, "mm[Hg]"),
                new("heart-rate", 75m, "/min"),
                new("respiratory-rate", 17m, "/min"),
            ]);
    }
}
