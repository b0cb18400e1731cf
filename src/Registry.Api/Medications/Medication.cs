using Registry.Api.CaseChildren;
using Registry.Api.Data;
using Registry.Api.Drugs;

namespace Registry.Api.Medications;

public sealed class Medication : Versioned, ICaseChild
{
    public Guid CaseId { get; set; }
    public Guid HospitalId { get; set; }
    public required string Drug { get; set; }
    public string? ProductName { get; set; }
    public required string Route { get; set; }
    public string? Form { get; set; }
    public decimal? DoseAmount { get; set; }
    public string? DoseUnit { get; set; }
    public string? Frequency { get; set; }
    public int? StartDay { get; set; }
    public int? EndDay { get; set; }
    public required string Setting { get; set; }
    public string? Purpose { get; set; }
    public List<StoredAdjustment> Adjustments { get; set; } = [];
    public string? Ending { get; set; }
    public int Ordinal { get; set; }
    int? ICaseChild.OrderDay => StartDay;
}

/// <summary>A dose change on a given day, stored inside the medication's jsonb column.</summary>
public sealed class StoredAdjustment
{
    public int Day { get; set; }
    public required string Change { get; set; }
    public string? Note { get; set; }
}

public enum Route { Oral, Intravenous, Intramuscular, Subcutaneous, Parenteral, Topical, Other }

public enum Setting { Inpatient, Outpatient, Both }

public enum DoseChange { Increased, Decreased, Paused, Stopped }

public enum Ending { Completed, Tapered, Stopped, Ongoing }
