using Registry.Api.Common;

namespace Registry.Api.Outcomes;

/// <summary>One assessment of how the patient was doing. The case's final outcome is its latest by day.</summary>
/// <param name="Day">Days after admission (day 0) of the assessment.</param>
/// <param name="Method">in-person, phone or record.</param>
/// <param name="Status">resolved, marked-improvement, improved, unchanged or worsened.</param>
/// <param name="Severity">A score on a named scale, if one was recorded.</param>
/// <param name="Recurrence">Whether spasms had come back, if asked.</param>
/// <param name="ResidualFindings">What remained, one per entry.</param>
/// <param name="Notes">Anything else said at the assessment.</param>
public sealed record OutcomeRequest(
    int? Day, AssessmentMethod? Method, OutcomeStatus? Status, SeverityRequest? Severity, bool? Recurrence,
    List<string>? ResidualFindings, string? Notes) : CaseChildReadOnlyMembers;

/// <param name="Scale">smc (grade 1–4), jankovic (0–8), hfs-7 (0–28), hfs-30 (0–120) or other.</param>
/// <param name="Score">The score, within the scale's range.</param>
public sealed record SeverityRequest(SeverityScale? Scale, int? Score);

public sealed record Severity(SeverityScale Scale, int Score);

/// <summary>A stored outcome assessment.</summary>
public sealed record OutcomeResponse(
    Guid Id, Guid CaseId, int Day, AssessmentMethod Method, OutcomeStatus Status, Severity? Severity,
    bool? Recurrence, List<string> ResidualFindings, string? Notes, int Version, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : Common.IVersionedResponse;

public static class OutcomeMapping
{
    public static OutcomeResponse ToResponse(this Outcome o) => new(
        o.Id, o.CaseId, o.Day, KebabEnum.Parse<AssessmentMethod>(o.Method), KebabEnum.Parse<OutcomeStatus>(o.Status),
        o.SeverityScale is null ? null : new Severity(KebabEnum.Parse<SeverityScale>(o.SeverityScale), o.SeverityScore!.Value),
        o.Recurrence, o.ResidualFindings, o.Notes, o.Version, o.CreatedAt, o.UpdatedAt);

    /// <summary>Copies a validated request onto an entity (new or tracked).</summary>
    public static Outcome ApplyTo(this OutcomeRequest r, Outcome o)
    {
        o.Day = r.Day!.Value;
        o.Method = r.Method!.Value.ToCode();
        o.Status = r.Status!.Value.ToCode();
        o.SeverityScale = r.Severity?.Scale?.ToCode();
        o.SeverityScore = r.Severity?.Score;
        o.Recurrence = r.Recurrence;
        o.ResidualFindings = r.ResidualFindings ?? [];
        o.Notes = r.Notes;
        return o;
    }

    public static Outcome ToEntity(this OutcomeRequest r, Guid caseId, Guid hospitalId, int ordinal) =>
        r.ApplyTo(new Outcome { CaseId = caseId, HospitalId = hospitalId, Ordinal = ordinal, Method = "", Status = "" });

    /// <summary>The inclusive score range of each scale (Lee 2012 SMC I–IV; Jankovic 0–8; HFS-7; HFS-30).</summary>
    public static (int Min, int Max) Range(this SeverityScale scale) => scale switch
    {
        SeverityScale.Smc => (1, 4),
        SeverityScale.Jankovic => (0, 8),
        SeverityScale.Hfs7 => (0, 28),
        SeverityScale.Hfs30 => (0, 120),
        _ => (0, 1000),
    };
}
