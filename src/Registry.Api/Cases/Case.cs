using Registry.Api.Data;
using Registry.Api.Diagnostics;
using Registry.Api.Medications;
using Registry.Api.Outcomes;

namespace Registry.Api.Cases;

/// <summary>One HFS episode of one patient at one hospital. Enum-valued columns hold kebab codes.</summary>
public sealed class Case : Versioned
{
    public Guid HospitalId { get; set; }
    public Guid PatientId { get; set; }
    public string? SourceCaseId { get; set; }
    public int AgeAtPresentation { get; set; }
    public required string PresentationDate { get; set; }
    public string? AdmissionDate { get; set; }
    public int? LengthOfStayDays { get; set; }
    public int? FollowUpDays { get; set; }
    public required string AffectedSide { get; set; }
    public int? SymptomDurationDays { get; set; }
    public List<string> AffectedRegions { get; set; } = [];
    public List<string> Triggers { get; set; } = [];
    public bool? PresentDuringSleep { get; set; }
    public List<string> AssociatedSymptoms { get; set; } = [];

    public bool PriorFacialPalsy { get; set; }
    public int? PriorFacialPalsyMonthsBefore { get; set; }
    public string? HistoryNotes { get; set; }

    public required string DiagnosisName { get; set; }
    public required string DiagnosisIcd10 { get; set; }
    public string? DiagnosisSnomedCt { get; set; }
    public required string Etiology { get; set; }
    public string? DiagnosisNotes { get; set; }

    public List<string> SupportiveCare { get; set; } = [];
    public string? Notes { get; set; }

    /// <summary>
    /// Summary columns of the case's medications and outcomes, kept by every writer (<see cref="SummaryColumns"/>).
    /// Drugs: the distinct drug codes, sorted.
    /// </summary>
    public List<string> Drugs { get; set; } = [];
    public string? FinalOutcomeStatus { get; set; }
    public int? FinalOutcomeDay { get; set; }
    public int? FirstImprovementDay { get; set; }

    public List<Diagnostic> Diagnostics { get; set; } = [];
    public List<Medication> Medications { get; set; } = [];
    public List<Outcome> Outcomes { get; set; } = [];
}

public enum AffectedSide { Left, Right, Bilateral }

public enum FacialRegion { Forehead, Eyebrow, Eyelid, Periocular, Cheek, Nose, MouthCorner, Perioral, Chin, Neck, Other }

public enum Trigger { Stress, Fatigue, Cold, Wind, FacialExpression, Chewing, Talking, BrightLight, SleepDeprivation, Other }

public enum Etiology { Idiopathic, NeurovascularCompression, PostInflammatory, SecondaryOther }

public enum SupportiveCare
{
    PsychologicalCounselling, LifestyleAdvice, DietaryAdvice, Acupuncture, NeuromuscularRetraining,
    Physiotherapy, WarmCompress, RelaxationTechniques, Other,
}
