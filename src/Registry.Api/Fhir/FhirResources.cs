using Dapper;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Hospitals;
using Registry.Api.Patients;
using Registry.Api.Security;
using Registry.Api.Vocabulary;
using static Registry.Api.Fhir.FhirJson;

using Registry.Api.Drugs;

namespace Registry.Api.Fhir;

/// <summary>A resource as the REST interface serves it: its meta carries the version it belongs to.</summary>
public sealed record RestResource(Resource Resource, int Version, DateTimeOffset LastUpdated, bool Deleted = false)
{
    public string ETag => $"W/\"{Version}\"";
}

/// <summary>What reading one resource came to.</summary>
public abstract record FhirRead
{
    public sealed record Found(RestResource Resource) : FhirRead;
    public sealed record NotFound(string Diagnostics) : FhirRead;
    /// <summary>The resource belonged to a case that was deleted (or the version read is the deletion).</summary>
    public sealed record Gone(string Diagnostics) : FhirRead;
}

/// <summary>
/// Finds single resources for the REST interface (read, vread, history). Organization and Patient are the hospital
/// and patient rows. Every other type is a part of one case: its id is the id of the registry row it shows (a
/// diagnostic, medication, outcome) or derived from one (FhirJson.DerivedId, reversible), so the owning case is found
/// by primary key, then built as the case bundle is, with references as REST URLs. Case reads are audited and
/// redacted for analysts like every whole-case read (FhirCases.LoadAsync).
/// </summary>
public sealed class FhirResources(RegistryDb db, CallerDataSource dataSource, DrugCatalog drugs, Caller caller)
{
    public static readonly string[] CaseTypes = ["Encounter", "Condition", "DiagnosticReport", "Observation", "Medication", "MedicationStatement"];
    public static readonly string[] Types = ["Organization", "Patient", .. CaseTypes];

    /// <summary>The current resource, or version <paramref name="version"/> of it (vread).</summary>
    public async Task<FhirRead> ReadAsync(string type, string id, int? version, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) return NotFound(type, id);
        switch (type)
        {
            case "Organization":
                return await OrganizationAsync(guid, ct) is { } organization && (version is null || version == organization.Version)
                    ? new FhirRead.Found(organization) : NotFound(type, id);
            case "Patient":
                return await PatientAsync(guid, ct) is { } patient && (version is null || version == patient.Version)
                    ? new FhirRead.Found(patient) : NotFound(type, id);
        }

        var seeds = SeedCandidates(type, guid).ToArray();
        // An Encounter's or Condition's id is derived from its case's: its seeds are case ids, read straight away
        // (a round trip less). A deleted case falls through to the lookup below, which answers 410.
        if (version is null && type is "Encounter" or "Condition" && await FromCasesAsync(type, guid, seeds, null, ct) is { } current)
            return new FhirRead.Found(current);
        var caseIds = await OwningCasesAsync(seeds, ct);
        if (caseIds.Count == 0)
            return await DeletedCasesAsync(seeds, ct) is [var deleted, ..] ? await GoneOrStoredAsync(type, guid, deleted, version, ct) : NotFound(type, id);
        var found = await FromCasesAsync(type, guid, caseIds, version, ct);
        return found is not null ? new FhirRead.Found(found) : NotFound(type, id);
    }

    /// <summary>Every version of the resource, newest first; empty when there is none the caller may see.</summary>
    public async Task<List<RestResource>?> HistoryAsync(string type, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) return null;
        if (type is "Organization" or "Patient")
            return (await ReadAsync(type, id, null, ct)) is FhirRead.Found one ? [one.Resource] : null;

        var seeds = SeedCandidates(type, guid).ToArray();
        var caseIds = await OwningCasesAsync(seeds, ct);
        if (caseIds.Count == 0) caseIds = await DeletedCasesAsync(seeds, ct);
        if (caseIds is not [var caseId]) return null;
        var versions = await CaseVersions.ListAsync(dataSource, caseId, ct);
        if (!CaseVersions.MayRead(versions, caller)) return null;

        var history = new List<RestResource>();
        foreach (var v in versions.OrderByDescending(v => v.Version))
        {
            if (v.Deleted)
            {
                history.Add(new RestResource(Empty(type, id), v.Version, v.RecordedAt, Deleted: true));
                continue;
            }
            if (await FromCasesAsync(type, guid, [caseId], v.Version, ct) is { } resource) history.Add(resource);
        }
        return history.Count == 0 ? null : history;
    }

    public async Task<RestResource?> OrganizationAsync(Guid id, CancellationToken ct) =>
        await db.Hospitals.AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, ct) is { } h ? Organization(h.ToResponse()) : null;

    public async Task<RestResource?> PatientAsync(Guid id, CancellationToken ct) =>
        await db.Patients.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct) is { } p ? Patient(p.ToResponse()) : null;

    public RestResource Organization(HospitalResponse h)
    {
        var resource = CaseToFhir.Organization(h);
        resource.Id = h.Id.ToString();
        return WithMeta(resource, h.Version, h.UpdatedAt);
    }

    /// <summary>A patient as its own resource; analysts get it without the hospital's pseudonym.</summary>
    public RestResource Patient(PatientResponse p)
    {
        var resource = CaseToFhir.Patient(p with { Pseudonym = caller.VisiblePseudonym(p.Pseudonym) }, $"Organization/{p.HospitalId}");
        resource.Id = p.Id.ToString();
        return WithMeta(resource, p.Version, p.UpdatedAt);
    }

    /// <summary>
    /// The resources of these cases (read now, or at a stored version) as served one by one, in bundle order:
    /// REST references, meta of the case's version.
    /// </summary>
    public async Task<List<(FhirCase Case, List<RestResource> Resources)>> CaseResourcesAsync(
        IReadOnlyCollection<Guid> caseIds, int? version, CancellationToken ct, string? onlyType = null) =>
        (await FhirCases.LoadAsync(db, dataSource, drugs, caseIds, caller, ct, version))
        .Select(c => (c, CaseToFhir.Build(c, transaction: false, restReferences: true, onlyType).Entry
            .Where(e => e.Resource is not (Hl7.Fhir.Model.Organization or Hl7.Fhir.Model.Patient))
            .Select(e => WithMeta(e.Resource, c.Case.Version, c.Case.UpdatedAt)).ToList()))
        .ToList();

    private async Task<RestResource?> FromCasesAsync(string type, Guid id, IReadOnlyCollection<Guid> caseIds, int? version, CancellationToken ct) =>
        (await CaseResourcesAsync(caseIds, version, ct, type)).SelectMany(c => c.Resources)
        .FirstOrDefault(r => r.Resource.TypeName == type && r.Resource.Id == id.ToString());

    /// <summary>A deleted case's resource: 410 for a read, the stored version for an admin's vread of an earlier one.</summary>
    private async Task<FhirRead> GoneOrStoredAsync(string type, Guid id, Guid caseId, int? version, CancellationToken ct)
    {
        var gone = new FhirRead.Gone($"{type}/{id} belonged to case {caseId}, which was deleted; GET {type}/{id}/_history lists its versions (admins only).");
        if (version is null || caller.Role != Role.Admin) return gone;
        var versions = await CaseVersions.ListAsync(dataSource, caseId, ct);
        if (versions.FirstOrDefault(v => v.Version == version) is not { Deleted: false }) return gone;
        return await FromCasesAsync(type, id, [caseId], version, ct) is { } stored ? new FhirRead.Found(stored) : NotFound(type, id.ToString());
    }

    /// <summary>
    /// The registry ids a resource id of this type may show or be derived from (the names are CaseToFhir's):
    /// an Observation is an outcome, or a finding or measurement of a diagnostic, by index.
    /// </summary>
    public static IEnumerable<Guid> SeedCandidates(string type, Guid id) => type switch
    {
        "Encounter" => [SeedOf(id, "encounter")],
        "Condition" => [SeedOf(id, "condition"), SeedOf(id, "prior-facial-palsy")],
        "Medication" => [SeedOf(id, "medication")],
        "Observation" => [id, .. Enumerable.Range(0, RequestLimits.ListItems)
            .SelectMany(i => new[] { SeedOf(id, $"finding/{i}"), SeedOf(id, $"measurement/{i}") })],
        _ => [id],
    };

    /// <summary>The live cases (the caller may see) that are, or hold a child that is, one of <paramref name="seeds"/>.</summary>
    public async Task<List<Guid>> OwningCasesAsync(Guid[] seeds, CancellationToken ct)
    {
        // A batch: the caller is set in the same round trip as the query.
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            SELECT id FROM cases WHERE id = ANY($1)
            UNION SELECT case_id FROM diagnostics WHERE id = ANY($1)
            UNION SELECT case_id FROM medications WHERE id = ANY($1)
            UNION SELECT case_id FROM outcomes WHERE id = ANY($1)
            """) { Parameters = { new NpgsqlParameter { Value = seeds } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>
    /// Deleted cases (the caller could see) that were, or held a child that was, one of <paramref name="seeds"/>,
    /// as their last stored version shows. Only tombstones are scanned: deletions are few.
    /// </summary>
    private async Task<List<Guid>> DeletedCasesAsync(Guid[] seeds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT t.case_id FROM case_versions t
            LEFT JOIN case_versions v ON v.case_id = t.case_id AND v.version = t.version - 1
            WHERE t.deleted
              AND (t.case_id = ANY(@seeds) OR jsonb_path_query_array(v.snapshot, '$.*[*].id') ?| @texts)
            """, new { seeds, texts = seeds.Select(s => s.ToString()).ToArray() },
            cancellationToken: ct))).ToList();
    }

    private static RestResource WithMeta(Resource resource, int version, DateTimeOffset updatedAt)
    {
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = updatedAt;
        return new RestResource(resource, version, updatedAt);
    }

    private static Resource Empty(string type, string id)
    {
        var resource = (Resource)Activator.CreateInstance(ModelInfo.GetTypeForFhirType(type)!)!;
        resource.Id = id;
        return resource;
    }

    private static FhirRead.NotFound NotFound(string type, string id) => new($"No {type} has id '{id}'.");
}
