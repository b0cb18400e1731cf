using Registry.Api.Audit;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Api.Data;

/// <summary>The column map of each table written by COPY or read by hand-written SQL (see <see cref="ColumnMap{T}"/>).</summary>
public static class Tables
{
    public static readonly ColumnMap<Patient> Patients = new("patients", () => new Patient { Pseudonym = "", Sex = "" },
    [
        ColumnMap<Patient>.Uuid("id", p => p.Id, (p, v) => p.Id = v),
        ColumnMap<Patient>.Uuid("hospital_id", p => p.HospitalId, (p, v) => p.HospitalId = v),
        ColumnMap<Patient>.Text("pseudonym", p => p.Pseudonym, (p, v) => p.Pseudonym = v),
        ColumnMap<Patient>.Text("sex", p => p.Sex, (p, v) => p.Sex = v),
        ColumnMap<Patient>.Integer("birth_year", p => p.BirthYear, (p, v) => p.BirthYear = v),
        .. ColumnMap<Patient>.VersionColumns(p => p),
    ]);

    public static readonly ColumnMap<Hospital> Hospitals = new("hospitals", () => new Hospital { Name = "" },
    [
        ColumnMap<Hospital>.Uuid("id", h => h.Id, (h, v) => h.Id = v),
        ColumnMap<Hospital>.Text("name", h => h.Name, (h, v) => h.Name = v),
        ColumnMap<Hospital>.Text("city", h => h.City, (h, v) => h.City = v),
        ColumnMap<Hospital>.Text("country", h => h.Country, (h, v) => h.Country = v),
        .. ColumnMap<Hospital>.VersionColumns(h => h),
    ], filledByDatabase: "synthetic"); // read only (FhirCases); the bench generator's flag, not part of a Hospital

    public static readonly ColumnMap<Case> Cases = new("cases",
        () => new Case { PresentationDate = "", AffectedSide = "", DiagnosisName = "", DiagnosisIcd10 = "", Etiology = "" },
    [
        ColumnMap<Case>.Uuid("id", c => c.Id, (c, v) => c.Id = v),
        ColumnMap<Case>.Uuid("hospital_id", c => c.HospitalId, (c, v) => c.HospitalId = v),
        ColumnMap<Case>.Uuid("patient_id", c => c.PatientId, (c, v) => c.PatientId = v),
        ColumnMap<Case>.Text("source_case_id", c => c.SourceCaseId, (c, v) => c.SourceCaseId = v),
        ColumnMap<Case>.Integer("age_at_presentation", c => c.AgeAtPresentation, (c, v) => c.AgeAtPresentation = v),
        ColumnMap<Case>.Text("presentation_date", c => c.PresentationDate, (c, v) => c.PresentationDate = v),
        ColumnMap<Case>.Text("admission_date", c => c.AdmissionDate, (c, v) => c.AdmissionDate = v),
        ColumnMap<Case>.Integer("length_of_stay_days", c => c.LengthOfStayDays, (c, v) => c.LengthOfStayDays = v),
        ColumnMap<Case>.Integer("follow_up_days", c => c.FollowUpDays, (c, v) => c.FollowUpDays = v),
        ColumnMap<Case>.Text("affected_side", c => c.AffectedSide, (c, v) => c.AffectedSide = v),
        ColumnMap<Case>.Integer("symptom_duration_days", c => c.SymptomDurationDays, (c, v) => c.SymptomDurationDays = v),
        ColumnMap<Case>.Texts("affected_regions", c => c.AffectedRegions, (c, v) => c.AffectedRegions = v),
        ColumnMap<Case>.Texts("triggers", c => c.Triggers, (c, v) => c.Triggers = v),
        ColumnMap<Case>.Boolean("present_during_sleep", c => c.PresentDuringSleep, (c, v) => c.PresentDuringSleep = v),
        ColumnMap<Case>.Texts("associated_symptoms", c => c.AssociatedSymptoms, (c, v) => c.AssociatedSymptoms = v),
        ColumnMap<Case>.Boolean("prior_facial_palsy", c => c.PriorFacialPalsy, (c, v) => c.PriorFacialPalsy = v),
        ColumnMap<Case>.Integer("prior_facial_palsy_months_before", c => c.PriorFacialPalsyMonthsBefore, (c, v) => c.PriorFacialPalsyMonthsBefore = v),
        ColumnMap<Case>.Text("history_notes", c => c.HistoryNotes, (c, v) => c.HistoryNotes = v),
        ColumnMap<Case>.Text("diagnosis_name", c => c.DiagnosisName, (c, v) => c.DiagnosisName = v),
        ColumnMap<Case>.Text("diagnosis_icd10", c => c.DiagnosisIcd10, (c, v) => c.DiagnosisIcd10 = v),
        ColumnMap<Case>.Text("diagnosis_snomed_ct", c => c.DiagnosisSnomedCt, (c, v) => c.DiagnosisSnomedCt = v),
        ColumnMap<Case>.Text("etiology", c => c.Etiology, (c, v) => c.Etiology = v),
        ColumnMap<Case>.Text("diagnosis_notes", c => c.DiagnosisNotes, (c, v) => c.DiagnosisNotes = v),
        ColumnMap<Case>.Texts("supportive_care", c => c.SupportiveCare, (c, v) => c.SupportiveCare = v),
        ColumnMap<Case>.Text("notes", c => c.Notes, (c, v) => c.Notes = v),
        ColumnMap<Case>.Texts("drugs", c => c.Drugs, (c, v) => c.Drugs = v),
        ColumnMap<Case>.Text("final_outcome_status", c => c.FinalOutcomeStatus, (c, v) => c.FinalOutcomeStatus = v),
        ColumnMap<Case>.Integer("final_outcome_day", c => c.FinalOutcomeDay, (c, v) => c.FinalOutcomeDay = v),
        ColumnMap<Case>.Integer("first_improvement_day", c => c.FirstImprovementDay, (c, v) => c.FirstImprovementDay = v),
        .. ColumnMap<Case>.VersionColumns(c => c),
    ], filledByDatabase: ["presentation_date_start", "drug_combination", "patient_sex"]); // generated, and set by the 0013 triggers

    public static readonly ColumnMap<Diagnostic> Diagnostics = new("diagnostics", () => new Diagnostic { Kind = "", Result = "" },
    [
        ColumnMap<Diagnostic>.Uuid("id", d => d.Id, (d, v) => d.Id = v),
        ColumnMap<Diagnostic>.Uuid("case_id", d => d.CaseId, (d, v) => d.CaseId = v),
        ColumnMap<Diagnostic>.Uuid("hospital_id", d => d.HospitalId, (d, v) => d.HospitalId = v),
        ColumnMap<Diagnostic>.Text("kind", d => d.Kind, (d, v) => d.Kind = v),
        ColumnMap<Diagnostic>.Integer("day", d => d.Day, (d, v) => d.Day = v),
        ColumnMap<Diagnostic>.Text("result", d => d.Result, (d, v) => d.Result = v),
        ColumnMap<Diagnostic>.Texts("findings", d => d.Findings, (d, v) => d.Findings = v),
        ColumnMap<Diagnostic>.Text("summary", d => d.Summary, (d, v) => d.Summary = v),
        ColumnMap<Diagnostic>.JsonList("measurements", d => d.Measurements, (d, v) => d.Measurements = v),
        ColumnMap<Diagnostic>.Integer("ordinal", d => d.Ordinal, (d, v) => d.Ordinal = v),
        .. ColumnMap<Diagnostic>.VersionColumns(d => d),
    ]);

    public static readonly ColumnMap<Medication> Medications = new("medications", () => new Medication { Drug = "", Route = "", Setting = "" },
    [
        ColumnMap<Medication>.Uuid("id", m => m.Id, (m, v) => m.Id = v),
        ColumnMap<Medication>.Uuid("case_id", m => m.CaseId, (m, v) => m.CaseId = v),
        ColumnMap<Medication>.Uuid("hospital_id", m => m.HospitalId, (m, v) => m.HospitalId = v),
        ColumnMap<Medication>.Text("drug", m => m.Drug, (m, v) => m.Drug = v),
        ColumnMap<Medication>.Text("product_name", m => m.ProductName, (m, v) => m.ProductName = v),
        ColumnMap<Medication>.Text("route", m => m.Route, (m, v) => m.Route = v),
        ColumnMap<Medication>.Text("form", m => m.Form, (m, v) => m.Form = v),
        ColumnMap<Medication>.Numeric("dose_amount", m => m.DoseAmount, (m, v) => m.DoseAmount = v),
        ColumnMap<Medication>.Text("dose_unit", m => m.DoseUnit, (m, v) => m.DoseUnit = v),
        ColumnMap<Medication>.Text("frequency", m => m.Frequency, (m, v) => m.Frequency = v),
        ColumnMap<Medication>.Integer("start_day", m => m.StartDay, (m, v) => m.StartDay = v),
        ColumnMap<Medication>.Integer("end_day", m => m.EndDay, (m, v) => m.EndDay = v),
        ColumnMap<Medication>.Text("setting", m => m.Setting, (m, v) => m.Setting = v),
        ColumnMap<Medication>.Text("purpose", m => m.Purpose, (m, v) => m.Purpose = v),
        ColumnMap<Medication>.JsonList("adjustments", m => m.Adjustments, (m, v) => m.Adjustments = v),
        ColumnMap<Medication>.Text("ending", m => m.Ending, (m, v) => m.Ending = v),
        ColumnMap<Medication>.Integer("ordinal", m => m.Ordinal, (m, v) => m.Ordinal = v),
        .. ColumnMap<Medication>.VersionColumns(m => m),
    ]);

    public static readonly ColumnMap<Outcome> Outcomes = new("outcomes", () => new Outcome { Method = "", Status = "" },
    [
        ColumnMap<Outcome>.Uuid("id", o => o.Id, (o, v) => o.Id = v),
        ColumnMap<Outcome>.Uuid("case_id", o => o.CaseId, (o, v) => o.CaseId = v),
        ColumnMap<Outcome>.Uuid("hospital_id", o => o.HospitalId, (o, v) => o.HospitalId = v),
        ColumnMap<Outcome>.Integer("day", o => o.Day, (o, v) => o.Day = v),
        ColumnMap<Outcome>.Text("method", o => o.Method, (o, v) => o.Method = v),
        ColumnMap<Outcome>.Text("status", o => o.Status, (o, v) => o.Status = v),
        ColumnMap<Outcome>.Text("severity_scale", o => o.SeverityScale, (o, v) => o.SeverityScale = v),
        ColumnMap<Outcome>.Integer("severity_score", o => o.SeverityScore, (o, v) => o.SeverityScore = v),
        ColumnMap<Outcome>.Boolean("recurrence", o => o.Recurrence, (o, v) => o.Recurrence = v),
        ColumnMap<Outcome>.Texts("residual_findings", o => o.ResidualFindings, (o, v) => o.ResidualFindings = v),
        ColumnMap<Outcome>.Text("notes", o => o.Notes, (o, v) => o.Notes = v),
        ColumnMap<Outcome>.Integer("ordinal", o => o.Ordinal, (o, v) => o.Ordinal = v),
        .. ColumnMap<Outcome>.VersionColumns(o => o),
    ]);

    public static readonly ColumnMap<AuditEntry> AuditLog = new("audit_log", () => new AuditEntry { Action = "", Resource = "", ResourceId = "" },
    [
        ColumnMap<AuditEntry>.Time("at", a => a.At, (a, v) => a.At = v),
        ColumnMap<AuditEntry>.Text("request_id", a => a.RequestId, (a, v) => a.RequestId = v),
        ColumnMap<AuditEntry>.Uuid("api_key_id", a => a.ApiKeyId, (a, v) => a.ApiKeyId = v),
        ColumnMap<AuditEntry>.Text("role", a => a.Role, (a, v) => a.Role = v),
        ColumnMap<AuditEntry>.Uuid("hospital_id", a => a.HospitalId, (a, v) => a.HospitalId = v),
        ColumnMap<AuditEntry>.Text("action", a => a.Action, (a, v) => a.Action = v),
        ColumnMap<AuditEntry>.Text("resource", a => a.Resource, (a, v) => a.Resource = v),
        ColumnMap<AuditEntry>.Text("resource_id", a => a.ResourceId, (a, v) => a.ResourceId = v),
        ColumnMap<AuditEntry>.Integer("version_before", a => a.VersionBefore, (a, v) => a.VersionBefore = v),
        ColumnMap<AuditEntry>.Integer("version_after", a => a.VersionAfter, (a, v) => a.VersionAfter = v),
    ], filledByDatabase: "id");
}
