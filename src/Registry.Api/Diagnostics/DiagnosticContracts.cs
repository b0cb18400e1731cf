using Registry.Api.Common;

namespace Registry.Api.Diagnostics;

/// <summary>An examination or test done during the case.</summary>
/// <param name="Kind">What was done: neurological-exam, ct-head, mri-brain, eeg, emg, vital-signs, lab or other.</param>
/// <param name="Day">Days after admission (day 0) when it was done, if known.</param>
/// <param name="Result">normal, abnormal or inconclusive.</param>
/// <param name="Findings">Individual findings, one per entry.</param>
/// <param name="Summary">The conclusion in a sentence.</param>
/// <param name="Measurements">Measured values with UCUM units (Cel, mm[Hg], /min).</param>
public sealed record DiagnosticRequest(
    DiagnosticKind? Kind, int? Day, DiagnosticResult? Result, List<string>? Findings, string? Summary,
    List<MeasurementRequest>? Measurements) : CaseChildReadOnlyMembers;

/// <param name="Name">What was measured, e.g. body-temperature, systolic-blood-pressure.</param>
/// <param name="Value">The number.</param>
/// <param name="Unit">Its UCUM unit, e.g. Cel, mm[Hg], /min.</param>
public sealed record MeasurementRequest(string? Name, decimal? Value, string? Unit);

public sealed record Measurement(string Name, decimal Value, string Unit);

/// <summary>A stored diagnostic.</summary>
public sealed record DiagnosticResponse(
    Guid Id, Guid CaseId, DiagnosticKind Kind, int? Day, DiagnosticResult Result, List<string> Findings,
    string? Summary, List<Measurement> Measurements, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt) : Common.IVersionedResponse;

public static class DiagnosticMapping
{
    public static DiagnosticResponse ToResponse(this Diagnostic d) => new(
        d.Id, d.CaseId, KebabEnum.Parse<DiagnosticKind>(d.Kind), d.Day, KebabEnum.Parse<DiagnosticResult>(d.Result),
        d.Findings, d.Summary, d.Measurements.Select(m => new Measurement(m.Name, m.Value, m.Unit)).ToList(),
        d.Version, d.CreatedAt, d.UpdatedAt);

    /// <summary>Copies a validated request onto an entity (new or tracked).</summary>
    public static Diagnostic ApplyTo(this DiagnosticRequest r, Diagnostic d)
    {
        d.Kind = r.Kind!.Value.ToCode();
        d.Day = r.Day;
        d.Result = r.Result!.Value.ToCode();
        d.Findings = r.Findings ?? [];
        d.Summary = r.Summary;
        d.Measurements = (r.Measurements ?? [])
            .Select(m => new StoredMeasurement { Name = m.Name!, Value = m.Value!.Value, Unit = m.Unit! }).ToList();
        return d;
    }

    public static Diagnostic ToEntity(this DiagnosticRequest r, Guid caseId, Guid hospitalId, int ordinal) =>
        r.ApplyTo(new Diagnostic { CaseId = caseId, HospitalId = hospitalId, Ordinal = ordinal, Kind = "", Result = "" });
}
