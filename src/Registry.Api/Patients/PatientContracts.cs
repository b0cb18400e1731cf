namespace Registry.Api.Patients;

/// <summary>A patient as a hospital knows them: only its own pseudonymous reference, never a name.</summary>
/// <param name="HospitalId">The hospital the patient belongs to.</param>
/// <param name="Pseudonym">The hospital's pseudonymous reference for the patient; unique within the hospital.</param>
/// <param name="Sex">male, female, other or unknown.</param>
/// <param name="BirthYear">Year of birth, if known (no full birth dates are stored).</param>
public sealed record PatientRequest(Guid? HospitalId, string? Pseudonym, Sex? Sex, int? BirthYear);

/// <summary>A stored patient.</summary>
public sealed record PatientResponse(
    Guid Id, Guid HospitalId, string Pseudonym, Sex Sex, int? BirthYear, int Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public static class PatientMapping
{
    public static PatientResponse ToResponse(this Patient p) =>
        new(p.Id, p.HospitalId, p.Pseudonym, Common.KebabEnum.Parse<Sex>(p.Sex), p.BirthYear, p.Version, p.CreatedAt, p.UpdatedAt);
}
