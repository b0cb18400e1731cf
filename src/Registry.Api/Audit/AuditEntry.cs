using Registry.Api.Data;

namespace Registry.Api.Audit;

/// <summary>One row of the append-only audit trail.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? RequestId { get; set; }
    public Guid? ApiKeyId { get; set; }
    public string? Role { get; set; }
    public Guid? HospitalId { get; set; }
    public required string Action { get; set; }
    public required string Resource { get; set; }
    public required string ResourceId { get; set; }
    public int? VersionBefore { get; set; }
    public int? VersionAfter { get; set; }
}

public enum AuditAction { Create, Update, Delete, Read }
