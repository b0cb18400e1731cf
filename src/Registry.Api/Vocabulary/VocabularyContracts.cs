using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Api.Vocabulary;

/// <summary>A drug to add to the vocabulary.</summary>
/// <param name="Code">The code medications use: lower-case kebab-case, at most 60 characters, e.g. botulinum-toxin-a.</param>
/// <param name="Name">The drug's name as shown to people, e.g. "Botulinum toxin type A".</param>
/// <param name="AtcCode">WHO ATC code (any level, e.g. M03AX01 or B03BA), if the drug has one.</param>
/// <param name="DrugClass">Its pharmacological class, e.g. anticonvulsant.</param>
public sealed record DrugRequest(string? Code, string? Name, string? AtcCode, string? DrugClass);

/// <summary>A drug of the vocabulary.</summary>
public sealed record DrugResponse(string Code, string Name, string? AtcCode, string DrugClass);

/// <summary>The inclusive range of scores a severity scale allows.</summary>
public sealed record ScoreRange(int Min, int Max);

/// <summary>Every code the API accepts: drugs, the allowed values of each enum field, and severity score ranges.</summary>
/// <param name="Drugs">The known drugs; a medication's <c>drug</c> must be one of their codes.</param>
/// <param name="Enums">Allowed values, keyed by the JSON field they apply to.</param>
/// <param name="ScoreRanges">For each severity scale code, the scores it allows.</param>
public sealed record VocabularyResponse(List<DrugResponse> Drugs, VocabularyEnums Enums, Dictionary<string, ScoreRange> ScoreRanges);

/// <summary>The allowed values of each enum field, named after the JSON field that takes them.</summary>
/// <param name="Sex">patient.sex</param>
/// <param name="AffectedSide">case.affectedSide</param>
/// <param name="AffectedRegions">case.affectedRegions[]</param>
/// <param name="Triggers">case.triggers[]</param>
/// <param name="Etiology">case.diagnosis.etiology</param>
/// <param name="SupportiveCare">case.supportiveCare[]</param>
/// <param name="Kind">diagnostic.kind</param>
/// <param name="Result">diagnostic.result</param>
/// <param name="Route">medication.route</param>
/// <param name="Setting">medication.setting</param>
/// <param name="Change">medication.adjustments[].change</param>
/// <param name="Ending">medication.ending</param>
/// <param name="Method">outcome.method</param>
/// <param name="Status">outcome.status</param>
/// <param name="Scale">outcome.severity.scale</param>
public sealed record VocabularyEnums(
    IReadOnlyList<string> Sex, IReadOnlyList<string> AffectedSide, IReadOnlyList<string> AffectedRegions,
    IReadOnlyList<string> Triggers, IReadOnlyList<string> Etiology, IReadOnlyList<string> SupportiveCare,
    IReadOnlyList<string> Kind, IReadOnlyList<string> Result, IReadOnlyList<string> Route, IReadOnlyList<string> Setting,
    IReadOnlyList<string> Change, IReadOnlyList<string> Ending, IReadOnlyList<string> Method, IReadOnlyList<string> Status,
    IReadOnlyList<string> Scale)
{
    /// <summary>Built once from the enum types themselves, so the list can never drift from what JSON accepts.</summary>
    public static readonly VocabularyEnums All = new(
        KebabEnum.AllCodes<Sex>(), KebabEnum.AllCodes<AffectedSide>(), KebabEnum.AllCodes<FacialRegion>(),
        KebabEnum.AllCodes<Trigger>(), KebabEnum.AllCodes<Etiology>(), KebabEnum.AllCodes<SupportiveCare>(),
        KebabEnum.AllCodes<DiagnosticKind>(), KebabEnum.AllCodes<DiagnosticResult>(), KebabEnum.AllCodes<Medications.Route>(),
        KebabEnum.AllCodes<Setting>(), KebabEnum.AllCodes<DoseChange>(), KebabEnum.AllCodes<Ending>(),
        KebabEnum.AllCodes<AssessmentMethod>(), KebabEnum.AllCodes<OutcomeStatus>(), KebabEnum.AllCodes<SeverityScale>());
}

public static class VocabularyMapping
{
    public static DrugResponse ToResponse(this Drug d) => new(d.Code, d.Name, d.AtcCode, d.DrugClass);

    public static Drug ToEntity(this DrugRequest r) => new()
    {
        Code = r.Code!, Name = r.Name!.Trim(), AtcCode = r.AtcCode, DrugClass = r.DrugClass!.Trim(),
    };

    /// <summary>The range of every scale, from the same table outcome validation uses.</summary>
    public static readonly Dictionary<string, ScoreRange> ScoreRanges = Enum.GetValues<SeverityScale>()
        .ToDictionary(s => s.ToCode(), s => new ScoreRange(s.Range().Min, s.Range().Max));

    public static readonly DrugRequest Example = new("pregabalin", "Pregabalin", "N03AX16", "anticonvulsant");
}
