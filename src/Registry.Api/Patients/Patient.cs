using Registry.Api.Data;

namespace Registry.Api.Patients;

public sealed class Patient : Versioned
{
    public Guid HospitalId { get; set; }
    public required string Pseudonym { get; set; }
    public required string Sex { get; set; }
    public int? BirthYear { get; set; }
}

public enum Sex { Male, Female, Other, Unknown }
