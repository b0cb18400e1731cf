using Microsoft.EntityFrameworkCore;
using Registry.Api.CaseChildren;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Outcomes;

public static class OutcomeEndpoints
{
    public static RouteGroupBuilder MapOutcomes(this IEndpointRouteBuilder routes) =>
        routes.MapCaseChildren<OutcomeResource, Outcome, OutcomeRequest, OutcomeResponse>(new(
            Label: "outcome assessment",
            List: "Every assessment of the case, ordered by day, then in the order they were sent (one added later goes after the others " +
                "of its day). The last one is the case's final outcome.",
            Create: "Records how the patient was doing on a day after admission (day 0). The case's final outcome " +
                "(its latest assessment by day) and first day of improvement follow at once. A severity score must lie within " +
                "its scale: smc 1–4, jankovic 0–8, hfs-7 0–28, hfs-30 0–120. The id is returned in the body and the Location header.",
            Get: "One outcome assessment by id.",
            Replace: "Replaces every field of the assessment (fields left out become empty); its version increases by one " +
                "and the case's final outcome is recomputed. It stays with its case.",
            Delete: "Deletes one assessment; the case's final outcome falls back to its latest remaining assessment, or none.",
            CreateExample: Examples.WeekEight,
            ReplaceExample: Examples.WeekFour));

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

/// <summary>Outcomes as a kind of case child, for the shared handlers.</summary>
public sealed class OutcomeResource : ICaseChildKind<Outcome, OutcomeRequest, OutcomeResponse>
{
    public static string Name => "outcome";
    public static string Plural => "outcomes";
    public static DbSet<Outcome> Set(RegistryDb db) => db.Outcomes;
    public static IOrderedQueryable<Outcome> InOrder(IQueryable<Outcome> children) => children.OrderBy(o => o.Day).ThenBy(o => o.Ordinal).ThenBy(o => o.Id);
    public static Outcome Create(OutcomeRequest request, Guid caseId, Guid hospitalId, int ordinal) => request.ToEntity(caseId, hospitalId, ordinal);
    public static void Apply(OutcomeRequest request, Outcome entity) => request.ApplyTo(entity);

    public static Task<List<OutcomeResponse>> ToResponsesAsync(IReadOnlyList<Outcome> children, IServiceProvider services, CancellationToken ct) =>
        Task.FromResult(children.Select(o => o.ToResponse()).ToList());
}
