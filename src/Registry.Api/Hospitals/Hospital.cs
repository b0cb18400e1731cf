using Registry.Api.Data;

namespace Registry.Api.Hospitals;

public sealed class Hospital : Versioned
{
    public required string Name { get; set; }
    public string? City { get; set; }
    public string? Country { get; set; }
}
