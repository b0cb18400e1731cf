using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using MedicationRoute = Registry.Api.Medications.Route;

namespace Registry.Api.Fhir;

/// <summary>Where registry codes have a standard FHIR counterpart: LOINC vital signs, SNOMED CT routes and laterality.</summary>
public static class FhirVocabulary
{
    public sealed record Loinc(string Code, string Display, bool VitalSign);

    /// <summary>Measurement names with a LOINC code (the FHIR vital-signs profile's codes).</summary>
    public static readonly IReadOnlyDictionary<string, Loinc> Measurements = new Dictionary<string, Loinc>
    {
        ["body-temperature"] = new("8310-5", "Body temperature", true),
        ["heart-rate"] = new("8867-4", "Heart rate", true),
        ["respiratory-rate"] = new("9279-1", "Respiratory rate", true),
        ["systolic-blood-pressure"] = new("8480-6", "Systolic blood pressure", true),
        ["diastolic-blood-pressure"] = new("8462-4", "Diastolic blood pressure", true),
        ["body-weight"] = new("29463-7", "Body weight", true),
        ["body-height"] = new("8302-2", "Body height", true),
        ["oxygen-saturation"] = new("2708-6", "Oxygen saturation in Arterial blood", true),
    };

    /// <summary>The FHIR R4 value set ucum-vitals-common, which the vital-signs profile binds its quantities' codes to.</summary>
    public static readonly IReadOnlySet<string> VitalSignsUnits = new HashSet<string>(StringComparer.Ordinal)
    {
        "%", "cm", "[in_i]", "kg", "g", "[lb_av]", "Cel", "[degF]", "mm[Hg]", "/min", "kg/m2", "m2",
    };

    public static readonly Loinc BloodPressurePanel = new("85354-9", "Blood pressure panel with all children optional", true);

    public static string? MeasurementForLoinc(string code) =>
        Measurements.FirstOrDefault(m => m.Value.Code == code).Key;

    public static (string Code, string Display)? Laterality(AffectedSide side) => side switch
    {
        AffectedSide.Left => ("7771000", "Left"),
        AffectedSide.Right => ("24028007", "Right"),
        AffectedSide.Bilateral => ("51440002", "Right and left"),
        _ => null,
    };

    public static (string Code, string Display)? Route(MedicationRoute route) => route switch
    {
        MedicationRoute.Oral => ("26643006", "Oral route"),
        MedicationRoute.Intravenous => ("47625008", "Intravenous route"),
        MedicationRoute.Intramuscular => ("78421000", "Intramuscular route"),
        MedicationRoute.Subcutaneous => ("34206005", "Subcutaneous route"),
        MedicationRoute.Topical => ("6064005", "Topical route"),
        _ => null,
    };

    /// <summary>HL7 v2 table 0074 (diagnostic service section) for DiagnosticReport.category.</summary>
    public static (string Code, string Display)? ServiceSection(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.CtHead => ("CT", "CAT Scan"),
        DiagnosticKind.MriBrain => ("NMR", "Nuclear Magnetic Resonance"),
        DiagnosticKind.Eeg or DiagnosticKind.Emg => ("EN", "Electroneuro (EEGs, EMGs,EKGs, etc.)"),
        DiagnosticKind.Lab => ("LAB", "Laboratory"),
        DiagnosticKind.NeurologicalExam or DiagnosticKind.VitalSigns => ("PHY", "Physician (Hx. Dx, admission note, etc.)"),
        _ => null,
    };

    /// <summary>observation-category for the findings of each kind of diagnostic.</summary>
    public static string ObservationCategory(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.CtHead or DiagnosticKind.MriBrain => "imaging",
        DiagnosticKind.Eeg or DiagnosticKind.Emg => "procedure",
        DiagnosticKind.Lab => "laboratory",
        _ => "exam",
    };

    public static string KindDisplay(DiagnosticKind kind) => kind switch
    {
        DiagnosticKind.NeurologicalExam => "Neurological examination",
        DiagnosticKind.CtHead => "CT of the head",
        DiagnosticKind.MriBrain => "MRI of the brain",
        DiagnosticKind.Eeg => "Electroencephalography (EEG)",
        DiagnosticKind.Emg => "Electromyography (EMG)",
        DiagnosticKind.VitalSigns => "Vital signs",
        DiagnosticKind.Lab => "Laboratory tests",
        _ => "Other examination",
    };

    /// <summary>v3 ObservationInterpretation for DiagnosticReport.conclusionCode.</summary>
    public static (string Code, string Display) Interpretation(DiagnosticResult result) => result switch
    {
        DiagnosticResult.Normal => ("N", "Normal"),
        DiagnosticResult.Abnormal => ("A", "Abnormal"),
        _ => ("IND", "Indeterminate"),
    };
}
