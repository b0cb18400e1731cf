using System.Text.Json.Serialization;
using Registry.Api.CaseChildren;
using Registry.Api.Data;

namespace Registry.Api.Outcomes;

public sealed class Outcome : Versioned, ICaseChild
{
    public Guid CaseId { get; set; }
    public Guid HospitalId { get; set; }
    public int Day { get; set; }
    public required string Method { get; set; }
    public required string Status { get; set; }
    public string? SeverityScale { get; set; }
    public int? SeverityScore { get; set; }
    public bool? Recurrence { get; set; }
    public List<string> ResidualFindings { get; set; } = [];
    public string? Notes { get; set; }
    public int Ordinal { get; set; }
    int? ICaseChild.OrderDay => Day;
}

public enum AssessmentMethod { InPerson, Phone, Record }

public enum OutcomeStatus { Resolved, MarkedImprovement, Improved, Unchanged, Worsened }

public enum SeverityScale
{
    Smc,
    Jankovic,
    [JsonStringEnumMemberName("hfs-7")] Hfs7,
    [JsonStringEnumMemberName("hfs-30")] Hfs30,
    Other,
}
