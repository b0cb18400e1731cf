using System.Text.Json.Serialization;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Api.Cases;

/// <summary>
/// A whole case as a hospital sends it: the episode with its nested diagnostics, medications and outcomes,
/// stored in one transaction. Name the patient by <c>patientId</c>, or inline as <c>patient</c> (matched by
/// pseudonym within the hospital, else created). Clinical days count from admission (day 0).
/// </summary>
/// <param name="PatientId">An existing patient. Give this or <c>patient</c>, not both.</param>
/// <param name="Patient">The patient inline: matched by pseudonym within the hospital, or created.</param>
/// <param name="HospitalId">The hospital; derived from the patient when absent, and must match the patient's.</param>
/// <param name="SourceCaseId">The hospital's own case identifier; unique per hospital, so a re-sent case is recognised (409).</param>
/// <param name="AgeAtPresentation">Age in whole years at presentation, 0–120.</param>
/// <param name="PresentationDate">First visit, as a partial date: 2019, 2019-04 or 2019-04-15.</param>
/// <param name="AdmissionDate">Admission, as a partial date, if admitted.</param>
/// <param name="LengthOfStayDays">Days in hospital.</param>
/// <param name="FollowUpDays">Days of follow-up after admission covered by the record.</param>
/// <param name="AffectedSide">left, right or bilateral.</param>
/// <param name="SymptomDurationDays">How long symptoms had lasted at presentation, in days.</param>
/// <param name="AffectedRegions">Facial regions that twitch.</param>
/// <param name="Triggers">What makes the spasms worse.</param>
/// <param name="PresentDuringSleep">Whether spasms continue in sleep, if known.</param>
/// <param name="AssociatedSymptoms">Other symptoms as kebab-case codes, e.g. facial-pain, headache, nausea.</param>
/// <param name="History">Relevant history.</param>
/// <param name="Diagnosis">The diagnosis made.</param>
/// <param name="SupportiveCare">Non-drug care given or advised.</param>
/// <param name="Notes">Anything else worth keeping.</param>
/// <param name="Diagnostics">Examinations and tests (only when creating or replacing a whole case).</param>
/// <param name="Medications">Drugs given (only when creating or replacing a whole case).</param>
/// <param name="Outcomes">Outcome assessments (only when creating or replacing a whole case).</param>
public sealed record CaseDocument(
    Guid? PatientId,
    InlinePatient? Patient,
    Guid? HospitalId,
    string? SourceCaseId,
    int? AgeAtPresentation,
    string? PresentationDate,
    string? AdmissionDate,
    int? LengthOfStayDays,
    int? FollowUpDays,
    AffectedSide? AffectedSide,
    int? SymptomDurationDays,
    List<FacialRegion>? AffectedRegions,
    List<Trigger>? Triggers,
    bool? PresentDuringSleep,
    List<string>? AssociatedSymptoms,
    HistoryRequest? History,
    DiagnosisRequest? Diagnosis,
    List<SupportiveCare>? SupportiveCare,
    string? Notes,
    List<DiagnosticRequest>? Diagnostics,
    List<MedicationRequest>? Medications,
    List<OutcomeRequest>? Outcomes) : ReadOnlyMembers
{
    /// <summary>Read-only: the final outcome, derived from the outcomes. Ignored on PUT; refused on POST.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FinalOutcome? FinalOutcome { get; init; }

    public override IEnumerable<string> Sent() => FinalOutcome is null ? base.Sent() : base.Sent().Append("finalOutcome");
}

/// <param name="Pseudonym">The hospital's pseudonymous reference for the patient.</param>
/// <param name="Sex">male, female, other or unknown.</param>
/// <param name="BirthYear">Year of birth, if known.</param>
public sealed record InlinePatient(string? Pseudonym, Sex? Sex, int? BirthYear);

/// <param name="PriorFacialPalsy">Whether the patient had a facial palsy (or facial neuritis) before.</param>
/// <param name="PriorFacialPalsyMonthsBefore">How many months before presentation it was.</param>
/// <param name="Notes">Other history.</param>
public sealed record HistoryRequest(bool? PriorFacialPalsy, int? PriorFacialPalsyMonthsBefore, string? Notes);

/// <param name="Name">The diagnosis as named, e.g. "Hemifacial spasm".</param>
/// <param name="Icd10">ICD-10 code, e.g. G51.3 (clonic hemifacial spasm).</param>
/// <param name="SnomedCt">SNOMED CT concept id, e.g. 13753008 (hemifacial spasm).</param>
/// <param name="Etiology">idiopathic, neurovascular-compression, post-inflammatory or secondary-other.</param>
/// <param name="Notes">Reasoning behind the diagnosis.</param>
public sealed record DiagnosisRequest(string? Name, string? Icd10, string? SnomedCt, Etiology? Etiology, string? Notes);

public sealed record History(bool PriorFacialPalsy, int? PriorFacialPalsyMonthsBefore, string? Notes);

public sealed record Diagnosis(string Name, string Icd10, string? SnomedCt, Etiology Etiology, string? Notes);

/// <summary>The latest assessment by day, and the first day the patient was improved or better.</summary>
public sealed record FinalOutcome(OutcomeStatus Status, int Day, int? FirstImprovementDay);

/// <summary>A stored case with all its children.</summary>
public sealed record CaseResponse(
    Guid Id, Guid PatientId, Guid HospitalId, string? SourceCaseId, int AgeAtPresentation, string PresentationDate,
    string? AdmissionDate, int? LengthOfStayDays, int? FollowUpDays, AffectedSide AffectedSide, int? SymptomDurationDays,
    List<FacialRegion> AffectedRegions, List<Trigger> Triggers, bool? PresentDuringSleep, List<string> AssociatedSymptoms,
    History History, Diagnosis Diagnosis, List<SupportiveCare> SupportiveCare, string? Notes, FinalOutcome? FinalOutcome,
    int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    List<DiagnosticResponse> Diagnostics, List<MedicationResponse> Medications, List<OutcomeResponse> Outcomes) : Common.IVersionedResponse;

/// <summary>A case in a list: its own fields, its drugs and its final outcome, without the children.</summary>
public sealed record CaseSummary(
    Guid Id, Guid PatientId, Guid HospitalId, string? SourceCaseId, Sex Sex, int AgeAtPresentation,
    string PresentationDate, AffectedSide AffectedSide, Etiology Etiology, List<string> Drugs,
    FinalOutcome? FinalOutcome, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One page of cases. Pass <c>nextCursor</c> back as <c>cursor</c> for the next page; null on the last.</summary>
public sealed record CasePage(List<CaseSummary> Items, string? NextCursor, int Limit);
