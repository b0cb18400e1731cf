using Registry.Api.Drugs;

namespace Registry.Api.Fhir;

/// <summary>
/// Code systems, identifier systems and extension URLs of the FHIR mapping (docs/fhir.md explains each).
/// Standard systems are HL7's; the registry's own live under https://hfs-registry.example/fhir/.
/// </summary>
public static class FhirSystems
{
    public const string FhirVersion = "4.0.1";
    public const string MediaType = "application/fhir+json";
    public const string NdjsonMediaType = "application/fhir+ndjson";

    public const string Snomed = "http://snomed.info/sct";
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    public const string Loinc = "http://loinc.org";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string Atc = "http://www.whocc.no/atc";
    public const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    public const string ConditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    public const string ConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category";
    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string Interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    public const string DiagnosticServiceSection = "http://terminology.hl7.org/CodeSystem/v2-0074";
    public const string MedicationStatementCategory = "http://terminology.hl7.org/CodeSystem/medication-statement-category";
    public const string VitalSignsProfile = "http://hl7.org/fhir/StructureDefinition/vitalsigns";

    public const string Base = "https://hfs-registry.example/fhir/";
    public const string HospitalIdSystem = Base + "sid/hospital-id";
    public const string CaseIdSystem = Base + "sid/case-id";

    /// <summary>Pseudonyms are unique per hospital, so each hospital has its own identifier system.</summary>
    public static string PseudonymSystem(Guid hospitalId) => $"{Base}sid/hospital/{hospitalId}/pseudonym";

    /// <summary>A hospital's own case identifiers (sourceCaseId).</summary>
    public static string SourceCaseSystem(Guid hospitalId) => $"{Base}sid/hospital/{hospitalId}/case";

    public static string CodeSystem(string name) => $"{Base}CodeSystem/{name}";

    public static string Extension(string name) => $"{Base}StructureDefinition/{name}";

    /// <summary>The registry's own code systems.</summary>
    public static class Codes
    {
        public static readonly string FacialRegion = CodeSystem("facial-region");
        public static readonly string AffectedSide = CodeSystem("affected-side");
        public static readonly string Trigger = CodeSystem("trigger");
        public static readonly string Etiology = CodeSystem("etiology");
        public static readonly string AssociatedSymptom = CodeSystem("associated-symptom");
        public static readonly string SupportiveCare = CodeSystem("supportive-care");
        public static readonly string Condition = CodeSystem("condition");
        public static readonly string DiagnosticKind = CodeSystem("diagnostic-kind");
        public static readonly string DiagnosticResult = CodeSystem("diagnostic-result");
        public static readonly string Observation = CodeSystem("observation");
        public static readonly string Measurement = CodeSystem("measurement");
        public static readonly string OutcomeStatus = CodeSystem("outcome-status");
        public static readonly string AssessmentMethod = CodeSystem("assessment-method");
        public static readonly string SeverityScale = CodeSystem("severity-scale");
        public static readonly string Drug = CodeSystem("drug");
        public static readonly string Route = CodeSystem("route");
        public static readonly string Setting = CodeSystem("medication-setting");
    }

    /// <summary>The registry's extensions.</summary>
    public static class Ext
    {
        public static readonly string DayOffset = Extension("day-offset");
        public static readonly string StartDay = Extension("start-day");
        public static readonly string EndDay = Extension("end-day");
        public static readonly string FollowUpDays = Extension("follow-up-days");
        public static readonly string AgeAtPresentation = Extension("age-at-presentation");
        public static readonly string CaseNotes = Extension("case-notes");
        public static readonly string SupportiveCare = Extension("supportive-care");
        public static readonly string AffectedSide = Extension("affected-side");
        public static readonly string Etiology = Extension("etiology");
        public static readonly string Trigger = Extension("trigger");
        public static readonly string PresentDuringSleep = Extension("present-during-sleep");
        public static readonly string AssociatedSymptom = Extension("associated-symptom");
        public static readonly string SymptomDuration = Extension("symptom-duration");
        public static readonly string MonthsBefore = Extension("months-before-presentation");
        public static readonly string MedicationEnding = Extension("medication-ending");
        public static readonly string DoseAdjustment = Extension("dose-adjustment");
    }
}
