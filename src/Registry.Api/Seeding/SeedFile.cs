using Registry.Api.Cases;
using Registry.Api.Hospitals;

namespace Registry.Api.Seeding;

/// <summary>One file of seeds/: a documented case as a POST /cases document, with its hospital and a fixed case id.</summary>
public sealed record SeedFile(SeedHospital Hospital, Guid CaseId, CaseDocument Case);

public sealed record SeedHospital(Guid Id, string Name, string? City, string? Country);
