using Registry.Api.CaseChildren;
using Registry.Api.Data;

namespace Registry.Api.Diagnostics;

public sealed class Diagnostic : Versioned, ICaseChild
{
    public Guid CaseId { get; set; }
    public Guid HospitalId { get; set; }
    public required string Kind { get; set; }
    public int? Day { get; set; }
    public required string Result { get; set; }
    public List<string> Findings { get; set; } = [];
    public string? Summary { get; set; }
    public List<StoredMeasurement> Measurements { get; set; } = [];
    public int Ordinal { get; set; }
    int? ICaseChild.OrderDay => Day;
}

/// <summary>A measured value with its UCUM unit, stored inside the diagnostic's jsonb column.</summary>
public sealed class StoredMeasurement
{
    public required string Name { get; set; }
    public decimal Value { get; set; }
    public required string Unit { get; set; }
}

public enum DiagnosticKind { NeurologicalExam, CtHead, MriBrain, Eeg, Emg, VitalSigns, Lab, Other }

public enum DiagnosticResult { Normal, Abnormal, Inconclusive }
