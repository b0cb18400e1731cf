using Dapper;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Patients;

using Registry.Api.Security;

namespace Registry.Api.Fhir;

/// <summary>Reads cases, with their patients and hospitals, into what CaseToFhir needs.</summary>
public static class FhirCases
{
    public const int BatchSize = 100;

    /// <summary>
    /// The given cases (absent ids, and other hospitals' for a hospital key, are skipped), in the order of
    /// <paramref name="ids"/>. Each read is audited; analysts get them without pseudonym or source id.
    /// </summary>
    /// <remarks>With a <c>version</c>, that stored version of each case (case_versions) instead of the current one.</remarks>
    public static async Task<List<FhirCase>> LoadAsync(
        RegistryDb db, CallerDataSource dataSource, DrugCatalog drugs, IReadOnlyCollection<Guid> ids, Data.Caller caller, CancellationToken ct,
        int? version = null)
    {
        var owners = new Owners();
        var cases = version is { } v
            ? await WholeCases.ReadVersionAuditedAsync(dataSource, ids, v, caller, db.RequestId, ct, owners.Read)
            : await WholeCases.ReadAuditedAsync(dataSource, ids, caller, db.RequestId, ct, owners.Read);
        var catalog = await drugs.AllAsync(ct);
        var byId = cases.ToDictionary(c => c.Id);
        return ids.Where(byId.ContainsKey).Select(id => byId[id]).Select(c => Redacted(new FhirCase(
            c.ToResponse(catalog), owners.Patients[c.PatientId].ToResponse(), owners.Hospitals[c.HospitalId].ToResponse()), caller)).ToList();
    }

    /// <summary>
    /// The cases' patients and hospitals, read in the round trip of the cases themselves: the same rows EF would read,
    /// under the same row-level security, without a round trip of their own (which binds the caller first).
    /// </summary>
    private sealed class Owners
    {
        public Dictionary<Guid, Patient> Patients { get; } = [];
        public Dictionary<Guid, Hospital> Hospitals { get; } = [];

        public WholeCases.AlsoRead Read => new(
        [
            $"SELECT {Tables.Patients.ColumnList} FROM patients WHERE id IN (SELECT patient_id FROM {{cases}} WHERE id = ANY($1))",
            $"SELECT {Tables.Hospitals.ColumnList} FROM hospitals WHERE id IN (SELECT hospital_id FROM {{cases}} WHERE id = ANY($1))",
        ], ReadAsync);

        private async Task ReadAsync(NpgsqlDataReader reader, CancellationToken ct)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) { var p = Tables.Patients.Read(reader); Patients[p.Id] = p; }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) { var h = Tables.Hospitals.Read(reader); Hospitals[h.Id] = h; }
        }
    }

    /// <summary>One batch of <see cref="LoadAsync"/> in a scope of its own: the DbContext (and what it read) is let go before the batch is written.</summary>
    public static async Task<List<FhirCase>> LoadBatchAsync(
        IServiceScopeFactory scopes, CallerDataSource dataSource, IReadOnlyCollection<Guid> ids, Data.Caller caller, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        return await LoadAsync(services.GetRequiredService<RegistryDb>(), dataSource, services.GetRequiredService<DrugCatalog>(), ids, caller, ct);
    }

    /// <summary>
    /// A case a write just stored, read on the write's own context (it sees the write's open transaction; see
    /// WholeCases.ReadAsync), not audited: for answering the write with what it stored.
    /// </summary>
    public static async Task<FhirCase> LoadStoredAsync(RegistryDb db, DrugCatalog drugs, Guid id, CancellationToken ct)
    {
        var stored = (await WholeCases.ReadAsync(db, [id], ct)).Single();
        var patient = await db.Patients.AsNoTracking().SingleAsync(p => p.Id == stored.PatientId, ct);
        var hospital = await db.Hospitals.AsNoTracking().SingleAsync(h => h.Id == stored.HospitalId, ct);
        return new FhirCase(stored.ToResponse(await drugs.AllAsync(ct)), patient.ToResponse(), hospital.ToResponse());
    }

    /// <summary>
    /// Every case matching the filters, a batch at a time in id order (keyset: each batch starts after the last
    /// id of the one before), so memory stays flat however many cases match.
    /// </summary>
    public static IAsyncEnumerable<List<Guid>> MatchingIdBatchesAsync(
        CallerDataSource dataSource, CaseFilters filters, CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql();
        return IdBatchesAsync(dataSource, $"""
            SELECT c.id FROM cases c JOIN patients p ON p.id = c.patient_id
            WHERE {where} AND (@after::uuid IS NULL OR c.id > @after)
            ORDER BY c.id LIMIT {BatchSize}
            """, parameters, ct);
    }

    /// <summary>
    /// Runs a keyset query (ids in order, after <c>@after</c>, at most <see cref="BatchSize"/>) batch after batch
    /// until it runs out, each on a pooled connection of its own.
    /// </summary>
    public static async IAsyncEnumerable<List<Guid>> IdBatchesAsync(
        CallerDataSource dataSource, string keysetSql, DynamicParameters parameters,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        Guid? after = null;
        while (true)
        {
            parameters.Add("after", after);
            await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
            var ids = (await connection.QueryAsync<Guid>(new CommandDefinition(keysetSql, parameters, cancellationToken: ct))).ToList();
            if (ids.Count == 0) yield break;
            yield return ids;
            if (ids.Count < BatchSize) yield break;
            after = ids[^1];
        }
    }

    /// <summary>
    /// The cases of each batch of ids, read (and audited) as <see cref="LoadAsync"/> does, with a scope per batch: the
    /// DbContext, and what it read, is let go before the next batch, so memory stays flat however many batches come.
    /// </summary>
    public static async IAsyncEnumerable<List<FhirCase>> LoadBatchesAsync(
        IServiceScopeFactory scopes, CallerDataSource dataSource, IAsyncEnumerable<List<Guid>> idBatches, Data.Caller caller,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var ids in idBatches.WithCancellation(ct))
            yield return await LoadBatchAsync(scopes, dataSource, ids, caller, ct);
    }

    /// <summary>Analysts see cases without the hospital's identifiers (Security/Visibility).</summary>
    public static FhirCase Redacted(FhirCase source, Data.Caller caller) => source with
    {
        Case = source.Case with { SourceCaseId = caller.VisibleSourceCaseId(source.Case.SourceCaseId) },
        Patient = source.Patient with { Pseudonym = caller.VisiblePseudonym(source.Patient.Pseudonym) },
    };
}
