namespace Registry.Api.Hospitals;

/// <summary>A hospital that contributes cases.</summary>
/// <param name="Name">The hospital's name, as it publishes it.</param>
/// <param name="City">City, if known.</param>
/// <param name="Country">Country, if known.</param>
public sealed record HospitalRequest(string? Name, string? City, string? Country) : Common.ReadOnlyMembers;

/// <summary>A stored hospital.</summary>
public sealed record HospitalResponse(
    Guid Id, string Name, string? City, string? Country, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt) : Common.IVersionedResponse;

public static class HospitalMapping
{
    public static HospitalResponse ToResponse(this Hospital h) =>
        new(h.Id, h.Name, h.City, h.Country, h.Version, h.CreatedAt, h.UpdatedAt);

    public static void Apply(this HospitalRequest request, Hospital hospital)
    {
        hospital.Name = request.Name!.Trim();
        hospital.City = request.City?.Trim();
        hospital.Country = request.Country?.Trim();
    }

    public static readonly HospitalRequest Example = new("Beijing Tiantan Hospital", "Beijing", "China");
}
