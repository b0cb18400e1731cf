using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>A stored API key: its public prefix and the SHA-256 hash of its secret, never the secret itself.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Prefix { get; set; }
    public required byte[] SecretHash { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }
    public Guid? HospitalId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
