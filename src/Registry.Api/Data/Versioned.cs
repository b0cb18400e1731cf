namespace Registry.Api.Data;

/// <summary>Columns every stored resource carries: its id, a version bumped on each change, and timestamps.</summary>
public abstract class Versioned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public int Version { get; set; } = 1;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
