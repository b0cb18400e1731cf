using Registry.Api.CaseChildren;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Medications;
using Registry.Api.Outcomes;

namespace Registry.Api.Cases;

public static class CaseMapping
{
    /// <summary>A new case of <paramref name="patient"/> (and the patient's hospital) with the document's fields and children.</summary>
    public static Case ToNewCase(this CaseDocument d, Patients.Patient patient, Guid id)
    {
        var entity = new Case
        {
            Id = id, HospitalId = patient.HospitalId, PatientId = patient.Id,
            PresentationDate = "", AffectedSide = "", DiagnosisName = "", DiagnosisIcd10 = "", Etiology = "",
        };
        d.ApplyTo(entity);
        d.ReplaceChildren(entity);
        SummaryColumns.Fill(entity);
        return entity;
    }

    /// <summary>Copies a validated document's own fields (not its children) onto a case.</summary>
    public static void ApplyTo(this CaseDocument d, Case c)
    {
        c.SourceCaseId = d.SourceCaseId;
        c.AgeAtPresentation = d.AgeAtPresentation!.Value;
        c.PresentationDate = d.PresentationDate!;
        c.AdmissionDate = d.AdmissionDate;
        c.LengthOfStayDays = d.LengthOfStayDays;
        c.FollowUpDays = d.FollowUpDays;
        c.AffectedSide = d.AffectedSide!.Value.ToCode();
        c.SymptomDurationDays = d.SymptomDurationDays;
        c.AffectedRegions = (d.AffectedRegions ?? []).ToCodes();
        c.Triggers = (d.Triggers ?? []).ToCodes();
        c.PresentDuringSleep = d.PresentDuringSleep;
        c.AssociatedSymptoms = d.AssociatedSymptoms ?? [];
        c.PriorFacialPalsy = d.History!.PriorFacialPalsy!.Value;
        c.PriorFacialPalsyMonthsBefore = d.History.PriorFacialPalsyMonthsBefore;
        c.HistoryNotes = d.History.Notes;
        c.DiagnosisName = d.Diagnosis!.Name!;
        c.DiagnosisIcd10 = d.Diagnosis.Icd10!;
        c.DiagnosisSnomedCt = d.Diagnosis.SnomedCt;
        c.Etiology = d.Diagnosis.Etiology!.Value.ToCode();
        c.DiagnosisNotes = d.Diagnosis.Notes;
        c.SupportiveCare = (d.SupportiveCare ?? []).ToCodes();
        c.Notes = d.Notes;
    }

    /// <summary>Replaces the case's children with the document's, for each list the document carries, numbered in the order sent.</summary>
    public static void ReplaceChildren(this CaseDocument d, Case c)
    {
        if (d.Diagnostics is not null) c.Diagnostics = d.Diagnostics.Select((x, i) => x.ToEntity(c.Id, c.HospitalId, i)).ToList();
        if (d.Medications is not null) c.Medications = d.Medications.Select((x, i) => x.ToEntity(c.Id, c.HospitalId, i)).ToList();
        if (d.Outcomes is not null) c.Outcomes = d.Outcomes.Select((x, i) => x.ToEntity(c.Id, c.HospitalId, i)).ToList();
    }

    public static CaseResponse ToResponse(this Case c, IReadOnlyDictionary<string, Drug> drugs) => new(
        c.Id, c.PatientId, c.HospitalId, c.SourceCaseId, c.AgeAtPresentation, c.PresentationDate, c.AdmissionDate,
        c.LengthOfStayDays, c.FollowUpDays, KebabEnum.Parse<AffectedSide>(c.AffectedSide), c.SymptomDurationDays,
        c.AffectedRegions.ParseAll<FacialRegion>(), c.Triggers.ParseAll<Trigger>(), c.PresentDuringSleep,
        c.AssociatedSymptoms,
        new History(c.PriorFacialPalsy, c.PriorFacialPalsyMonthsBefore, c.HistoryNotes),
        new Diagnosis(c.DiagnosisName, c.DiagnosisIcd10, c.DiagnosisSnomedCt, KebabEnum.Parse<Etiology>(c.Etiology), c.DiagnosisNotes),
        c.SupportiveCare.ParseAll<SupportiveCare>(), c.Notes,
        ToFinalOutcome(c.FinalOutcomeStatus, c.FinalOutcomeDay, c.FirstImprovementDay),
        c.Version, c.CreatedAt, c.UpdatedAt,
        c.Diagnostics.InCaseOrder().Select(x => x.ToResponse()).ToList(),
        c.Medications.InCaseOrder().Select(x => x.ToResponse(drugs.GetValueOrDefault(x.Drug))).ToList(),
        c.Outcomes.InCaseOrder().Select(x => x.ToResponse()).ToList());

    public static FinalOutcome? ToFinalOutcome(string? status, int? day, int? firstImprovementDay) =>
        status is null ? null : new FinalOutcome(KebabEnum.Parse<OutcomeStatus>(status), day!.Value, firstImprovementDay);
}
