using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Tests.Cases;

/// <summary>Builders for whole case documents, shaped like the documented cases, with knobs tests turn.</summary>
public static class CaseDocuments
{
    public static CaseDocument Document(
        Guid hospitalId, string pseudonym = "P-001", Sex sex = Sex.Male, int age = 47, string presentation = "2019-04",
        string? sourceCaseId = null, AffectedSide side = AffectedSide.Left, string[]? drugs = null,
        (int Day, OutcomeStatus Status)[]? outcomes = null) => new(
        PatientId: null,
        Patient: new InlinePatient(pseudonym, sex, null),
        HospitalId: hospitalId,
        SourceCaseId: sourceCaseId,
        AgeAtPresentation: age,
        PresentationDate: presentation,
        AdmissionDate: presentation,
        LengthOfStayDays: 5,
        FollowUpDays: 61,
        AffectedSide: side,
        SymptomDurationDays: null,
        AffectedRegions: [FacialRegion.Eyelid, FacialRegion.Cheek, FacialRegion.MouthCorner],
        Triggers: [Trigger.Stress, Trigger.Fatigue],
        PresentDuringSleep: null,
        AssociatedSymptoms: ["sleep-disturbance"],
        History: new HistoryRequest(true, null, "Prior left peripheral facial neuritis."),
        Diagnosis: new DiagnosisRequest("Hemifacial spasm", "G51.3", "13753008", Etiology.PostInflammatory, null),
        SupportiveCare: [SupportiveCare.PsychologicalCounselling, SupportiveCare.LifestyleAdvice],
        Notes: null,
        Diagnostics:
        [
            new DiagnosticRequest(DiagnosticKind.CtHead, 0, DiagnosticResult.Normal, ["no structural abnormality"], null, null),
            new DiagnosticRequest(DiagnosticKind.VitalSigns, 0, DiagnosticResult.Normal, [], null,
                [new MeasurementRequest("body-temperature", 36.6m, "Cel"), new MeasurementRequest("heart-rate", 75, "/min")]),
        ],
        Medications: (drugs ?? ["gabapentin", "thiamine"]).Select(drug => new MedicationRequest(
            drug, null, Route.Oral, "capsule", drug == "gabapentin" ? new DoseRequest(300, "mg") : null, null, 0, 61,
            Setting.Both, "symptom control", drug == "gabapentin" ? [new AdjustmentRequest(2, DoseChange.Increased, "minimal relief")] : [],
            Ending.Tapered)).ToList(),
        Outcomes: (outcomes ?? [(5, OutcomeStatus.Improved), (28, OutcomeStatus.MarkedImprovement), (56, OutcomeStatus.Resolved)])
            .Select(o => new OutcomeRequest(o.Day, AssessmentMethod.Phone, o.Status, null, o.Status == OutcomeStatus.Resolved ? false : null, [], null))
            .ToList());

    public static async Task<Guid> CreateHospitalAsync(this HttpClient client, string name = "Test Hospital") =>
        (await (await client.PostAsJson("/api/v1/hospitals", new HospitalRequest(name, null, null)))
            .ReadAs<HospitalResponse>(HttpStatusCode.Created)).Id;

    public static async Task<CaseResponse> CreateCaseAsync(this HttpClient client, CaseDocument document) =>
        await (await client.PostAsJson("/api/v1/cases", document)).ReadAs<CaseResponse>(HttpStatusCode.Created);
}
