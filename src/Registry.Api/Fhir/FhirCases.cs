using System.Text;
using Dapper;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Patients;

namespace Registry.Api.Fhir;

/// <summary>Reads cases, with their patients and hospitals, into what CaseToFhir needs.</summary>
public static class FhirCases
{
    public const int BatchSize = 100;

    /// <summary>
    /// The given cases (absent ids, and other hospitals' for a hospital key, are skipped), in the order of
    /// <paramref name="ids"/>. Each read is audited; analysts get them without pseudonym or source id.
    /// </summary>
    public static async Task<List<FhirCase>> LoadAsync(
        RegistryDb db, NpgsqlDataSource dataSource, DrugCatalog drugs, IReadOnlyCollection<Guid> ids, Security.Caller caller, CancellationToken ct)
    {
        var cases = await WholeCases.ReadAuditedAsync(dataSource, ids, caller, db.RequestId, ct);
        var patientIds = cases.Select(c => c.PatientId).Distinct().ToList();
        var hospitalIds = cases.Select(c => c.HospitalId).Distinct().ToList();
        var patients = await db.Patients.AsNoTracking().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var hospitals = await db.Hospitals.AsNoTracking().Where(h => hospitalIds.Contains(h.Id)).ToDictionaryAsync(h => h.Id, ct);
        var catalog = await drugs.AllAsync(ct);
        var byId = cases.ToDictionary(c => c.Id);
        return ids.Where(byId.ContainsKey).Select(id => byId[id]).Select(c => Redacted(new FhirCase(
            c.ToResponse(catalog), patients[c.PatientId].ToResponse(), hospitals[c.HospitalId].ToResponse()), caller)).ToList();
    }

    /// <summary>
    /// Every case matching the filters, a batch at a time in id order (keyset: each batch starts after the last
    /// id of the one before), so memory stays flat however many cases match.
    /// </summary>
    public static async IAsyncEnumerable<List<Guid>> MatchingIdBatchesAsync(
        NpgsqlDataSource dataSource, CaseFilters filters, Security.Caller caller,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql(caller);
        var sql = new StringBuilder($"""
            SELECT c.id FROM cases c JOIN patients p ON p.id = c.patient_id
            WHERE {where} AND (@after::uuid IS NULL OR c.id > @after)
            ORDER BY c.id LIMIT {BatchSize}
            """).ToString();
        Guid? after = null;
        while (true)
        {
            parameters.Add("after", after);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var ids = (await connection.QueryAsync<Guid>(new CommandDefinition(sql, parameters, cancellationToken: ct))).ToList();
            if (ids.Count == 0) yield break;
            yield return ids;
            if (ids.Count < BatchSize) yield break;
            after = ids[^1];
        }
    }

    /// <summary>Analysts see cases without the hospital's identifiers: no pseudonym, no source case id.</summary>
    private static FhirCase Redacted(FhirCase source, Security.Caller caller) => caller.IsAnalyst
        ? source with { Case = source.Case with { SourceCaseId = null }, Patient = source.Patient with { Pseudonym = "" } }
        : source;
}
