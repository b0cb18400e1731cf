using System.Text.Json.Serialization;
using Registry.Api.Common;
using Registry.Api.Drugs;

namespace Registry.Api.Medications;

/// <summary>A drug given during the case.</summary>
/// <param name="Drug">Vocabulary code of the drug (GET /api/v1/vocabulary lists them), e.g. gabapentin.</param>
/// <param name="ProductName">The product as documented, e.g. "Gabapentin capsules".</param>
/// <param name="Route">oral, intravenous, intramuscular, subcutaneous, parenteral (injected, exact route not documented), topical or other.</param>
/// <param name="Form">Dosage form, e.g. capsule, tablet, injection.</param>
/// <param name="Dose">The dose per administration, if documented.</param>
/// <param name="Frequency">How often, e.g. "three times daily".</param>
/// <param name="StartDay">Day it was started (day 0 = admission).</param>
/// <param name="EndDay">Day it was stopped; not before StartDay.</param>
/// <param name="Setting">inpatient, outpatient or both.</param>
/// <param name="Purpose">Why it was given, e.g. "nerve regeneration".</param>
/// <param name="Adjustments">Dose changes, each on a day.</param>
/// <param name="Ending">How it ended: completed, tapered, stopped or ongoing.</param>
public sealed record MedicationRequest(
    string? Drug, string? ProductName, Route? Route, string? Form, DoseRequest? Dose, string? Frequency,
    int? StartDay, int? EndDay, Setting? Setting, string? Purpose, List<AdjustmentRequest>? Adjustments, Ending? Ending)
    : CaseChildReadOnlyMembers
{
    /// <summary>Read-only: the drug's name, from the vocabulary. Ignored on PUT; refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DrugName { get; init; }

    /// <summary>Read-only: the drug's ATC code, from the vocabulary. Ignored on PUT; refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AtcCode { get; init; }

    /// <summary>Read-only: the drug's class, from the vocabulary. Ignored on PUT; refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DrugClass { get; init; }

    public override IEnumerable<string> Sent() => base.Sent()
        .Concat(new[] { ("drugName", DrugName), ("atcCode", AtcCode), ("drugClass", DrugClass) }.Where(m => m.Item2 is not null).Select(m => m.Item1));
}

/// <param name="Amount">The amount, greater than 0.</param>
/// <param name="Unit">Its UCUM unit, e.g. mg, ug, mL.</param>
public sealed record DoseRequest(decimal? Amount, string? Unit);

/// <param name="Day">Day of the change (day 0 = admission).</param>
/// <param name="Change">increased, decreased, paused or stopped.</param>
/// <param name="Note">What changed and why.</param>
public sealed record AdjustmentRequest(int? Day, DoseChange? Change, string? Note);

public sealed record Dose(decimal Amount, string Unit);

public sealed record Adjustment(int Day, DoseChange Change, string? Note);

/// <summary>A stored medication, with the drug's name, ATC code and class from the vocabulary.</summary>
public sealed record MedicationResponse(
    Guid Id, Guid CaseId, string Drug, string? DrugName, string? AtcCode, string? DrugClass, string? ProductName,
    Route Route, string? Form, Dose? Dose, string? Frequency, int? StartDay, int? EndDay, Setting Setting,
    string? Purpose, List<Adjustment> Adjustments, Ending? Ending, int Version, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : Common.IVersionedResponse;

public static class MedicationMapping
{
    public static MedicationResponse ToResponse(this Medication m, Drug? drug) => new(
        m.Id, m.CaseId, m.Drug, drug?.Name, drug?.AtcCode, drug?.DrugClass, m.ProductName,
        KebabEnum.Parse<Route>(m.Route), m.Form,
        m.DoseAmount is { } amount ? new Dose(amount, m.DoseUnit!) : null,
        m.Frequency, m.StartDay, m.EndDay, KebabEnum.Parse<Setting>(m.Setting), m.Purpose,
        m.Adjustments.Select(a => new Adjustment(a.Day, KebabEnum.Parse<DoseChange>(a.Change), a.Note)).ToList(),
        m.Ending is null ? null : KebabEnum.Parse<Ending>(m.Ending),
        m.Version, m.CreatedAt, m.UpdatedAt);

    /// <summary>Copies a validated request onto an entity (new or tracked).</summary>
    public static Medication ApplyTo(this MedicationRequest r, Medication m)
    {
        m.Drug = r.Drug!;
        m.ProductName = r.ProductName;
        m.Route = r.Route!.Value.ToCode();
        m.Form = r.Form;
        m.DoseAmount = r.Dose?.Amount;
        m.DoseUnit = r.Dose?.Unit;
        m.Frequency = r.Frequency;
        m.StartDay = r.StartDay;
        m.EndDay = r.EndDay;
        m.Setting = r.Setting!.Value.ToCode();
        m.Purpose = r.Purpose;
        m.Adjustments = (r.Adjustments ?? [])
            .Select(a => new StoredAdjustment { Day = a.Day!.Value, Change = a.Change!.Value.ToCode(), Note = a.Note }).ToList();
        m.Ending = r.Ending?.ToCode();
        return m;
    }

    public static Medication ToEntity(this MedicationRequest r, Guid caseId, Guid hospitalId, int ordinal) =>
        r.ApplyTo(new Medication { CaseId = caseId, HospitalId = hospitalId, Ordinal = ordinal, Drug = "", Route = "", Setting = "" });
}
