using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Outcomes;

public static class OutcomeEndpoints
{
    public static RouteGroupBuilder MapOutcomes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Outcomes");

        group.MapGet("/cases/{caseId:guid}/outcomes", List).WithName("ListOutcomes")
            .WithSummary("List a case's outcome assessments")
            .WithDescription("Every assessment of the case, ordered by day, then by when it was recorded. The last one is the case's final outcome.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/cases/{caseId:guid}/outcomes", Create).WithName("CreateOutcome")
            .WithSummary("Add an outcome assessment to a case")
            .WithDescription("Records how the patient was doing on a day after admission (day 0). The case's final outcome " +
                "(its latest assessment by day) and first day of improvement follow at once. A severity score must lie within " +
                "its scale: smc 1–4, jankovic 0–8, hfs-7 0–28, hfs-30 0–120. The id is returned in the body and the Location header.")
            .WithRequestExample(Examples.WeekEight)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/outcomes/{id:guid}", Get).WithName("GetOutcome")
            .WithSummary("Get an outcome assessment")
            .WithDescription("One outcome assessment by id.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/outcomes/{id:guid}", Update).WithName("UpdateOutcome")
            .WithSummary("Replace an outcome assessment")
            .WithDescription("Replaces every field of the assessment (fields left out become empty); its version increases by one " +
                "and the case's final outcome is recomputed. It stays with its case.")
            .WithRequestExample(Examples.WeekFour)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/outcomes/{id:guid}", Delete).WithName("DeleteOutcome")
            .WithSummary("Delete an outcome assessment")
            .WithDescription("Deletes one assessment; the case's final outcome falls back to its latest remaining assessment, or none.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<Results<Ok<List<OutcomeResponse>>, ProblemHttpResult>> List(
        [Description("The case's id.")] Guid caseId, RegistryDb db, CancellationToken ct)
    {
        var outcomes = await db.Outcomes.AsNoTracking().Where(o => o.CaseId == caseId)
            .OrderBy(o => o.Day).ThenBy(o => o.CreatedAt).ThenBy(o => o.Id)
            .Select(o => o.ToResponse()).ToListAsync(ct);
        if (outcomes.Count == 0 && !await db.CaseExistsAsync(caseId, ct)) return Problems.NotFound("case", caseId);
        return TypedResults.Ok(outcomes);
    }

    private static async Task<Results<Created<OutcomeResponse>, ProblemHttpResult>> Create(
        [Description("The case's id.")] Guid caseId, OutcomeRequest request, RegistryDb db, CancellationToken ct)
    {
        if (await db.HospitalOfCaseAsync(caseId, ct) is not { } hospitalId) return Problems.NotFound("case", caseId);
        if (await db.Outcomes.CountAsync(o => o.CaseId == caseId, ct) >= RequestLimits.ChildrenPerCase)
            return CaseChildren.TooMany("outcomes");

        var outcome = request.ToEntity(caseId, hospitalId);
        db.Outcomes.Add(outcome);
        await db.SaveChangesAsync(ct); // the outcomes trigger refreshes the case's final outcome in the same statement
        return TypedResults.Created($"/api/v1/outcomes/{outcome.Id}", outcome.ToResponse());
    }

    private static async Task<Results<Ok<OutcomeResponse>, ProblemHttpResult>> Get(
        [Description("The outcome assessment's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Outcomes.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) is { } outcome
            ? TypedResults.Ok(outcome.ToResponse())
            : Problems.NotFound("outcome", id);

    private static async Task<Results<Ok<OutcomeResponse>, ProblemHttpResult>> Update(
        [Description("The outcome assessment's id.")] Guid id, OutcomeRequest request, RegistryDb db, CancellationToken ct)
    {
        var outcome = await db.Outcomes.FirstOrDefaultAsync(o => o.Id == id, ct);
        if (outcome is null) return Problems.NotFound("outcome", id);

        request.ApplyTo(outcome);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return CaseChildren.ChangedMeanwhile("outcome", id);
        }
        return TypedResults.Ok(outcome.ToResponse());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The outcome assessment's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Outcomes.Where(o => o.Id == id).ExecuteDeleteAsync(ct) == 0
            ? Problems.NotFound("outcome", id)
            : TypedResults.NoContent();

    private static class Examples
    {
        /// <summary>Case 1: the phone follow-up by week eight, when the spasms had ceased.</summary>
        public static readonly OutcomeRequest WeekEight = new(
            Day: 56, Method: AssessmentMethod.Phone, Status: OutcomeStatus.Resolved, Severity: null, Recurrence: false,
            ResidualFindings: [], Notes: "Spasms ceased entirely by week eight; sleep normalised. Medications tapered and stopped; no relapse.");

        /// <summary>Case 1: the phone follow-up by week four, when the spasms had decreased dramatically.</summary>
        public static readonly OutcomeRequest WeekFour = new(
            Day: 28, Method: AssessmentMethod.Phone, Status: OutcomeStatus.MarkedImprovement, Severity: null, Recurrence: null,
            ResidualFindings: [], Notes: "By week four the spasms had decreased dramatically.");
    }
}
