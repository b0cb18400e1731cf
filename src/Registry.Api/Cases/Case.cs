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

    /// <summary>Kept by a database trigger from the case's outcomes; read-only here (set only as the case is read).</summary>
    public string? FinalOutcomeStatus { get; init; }
    public int? FinalOutcomeDay { get; init; }
    public int? FirstImprovementDay { get; init; }

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
