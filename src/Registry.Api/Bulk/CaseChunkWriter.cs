using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Registry.Api.Audit;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Api.Patients;
using Registry.Api.Security;

namespace Registry.Api.Bulk;

/// <summary>
/// Stores a chunk of bulk-uploaded case documents set-based: the rows every document's checks need are looked up
/// for the whole chunk (one query each), the checks run per document in line order with the same rules as
/// <see cref="CaseWriter"/>, and every accepted case is stored in one transaction: the new rows by binary COPY
/// (<see cref="ChunkCopy"/>), stamped and audited by <see cref="AuditStamping"/>'s rules for new resources, and the
/// birth years filled in on existing patients by SaveChanges. If a concurrent writer takes a sourceCaseId or
/// pseudonym first, the chunk is rolled back and stored line by line with <see cref="CaseWriter"/>.
/// </summary>
public sealed class CaseChunkWriter(RegistryDb db, CaseWriter oneByOne, TimeProvider clock)
{
    /// <param name="documents">Documents that passed CaseDocumentValidator, in line order.</param>
    /// <param name="ct">Cancels the write; a chunk not yet saved is not stored.</param>
    /// <returns>What became of each document, in the same order.</returns>
    public async Task<CaseWriteResult[]> CreateAsync(IReadOnlyList<CaseDocument> documents, CancellationToken ct)
    {
        var results = new CaseWriteResult[documents.Count];
        for (var start = 0; start < documents.Count;)
            start += await WriteRunAsync(documents, start, results, ct);
        return results;
    }

    /// <summary>Checks and stores documents from <paramref name="start"/> on, as one transaction; returns how many it took.</summary>
    private async Task<int> WriteRunAsync(IReadOnlyList<CaseDocument> all, int start, CaseWriteResult[] results, CancellationToken ct)
    {
        // Tenancy first, exactly as CaseWriter: a hospital key's documents belong to its hospital.
        var documents = new CaseDocument?[all.Count - start];
        for (var i = 0; i < documents.Length; i++)
        {
            var (hospital, forbidden) = db.Caller.HospitalForWrite(all[start + i].HospitalId);
            if (forbidden is not null) results[start + i] = new CaseWriteResult.Forbidden(forbidden);
            else documents[i] = all[start + i] with { HospitalId = hospital };
        }
        var known = await ChunkLookups.LoadAsync(db, documents, ct);
        var rows = new NewRows();

        var end = start;
        for (; end < all.Count; end++)
        {
            if (documents[end - start] is not { } document) continue; // forbidden
            Patient? patient, stored = null;
            CaseWriteResult.Invalid? problem;
            if (document.PatientId is { } patientId)
                (patient, problem) = CasePatients.ById(document, known.PatientsById.GetValueOrDefault(patientId));
            else if (!known.Hospitals.Contains(document.HospitalId!.Value))
                (patient, problem) = (null, CasePatients.UnknownHospital());
            else
            {
                var (hospitalId, inline) = (document.HospitalId.Value, document.Patient!);
                stored = known.PatientsByPseudonym.GetValueOrDefault((hospitalId, inline.MatchedPseudonym()));
                (patient, problem) = CasePatients.Inline(hospitalId, inline, stored);
            }
            if (problem is not null) { results[end] = problem; continue; }

            if (document.SourceCaseId is { } sourceCaseId && known.Cases.TryGetValue((patient!.HospitalId, sourceCaseId), out var existing))
            {
                results[end] = new CaseWriteResult.Duplicate(existing, sourceCaseId);
                continue;
            }

            if (document.PatientId is null && stored is null)
            {
                rows.Patients.Add(patient!);
                known.PatientsByPseudonym[(patient!.HospitalId, patient.Pseudonym)] = patient;
            }
            else if (stored is not null && stored.FillsBirthYear(document.Patient))
            {
                // Line by line, a patient created by one line and given a birth year by a later one is stored, then
                // updated (version 2, two audit rows). Ending the run before such a line keeps that: the next run
                // finds the patient stored.
                if (rows.Patients.Contains(stored)) break;
                rows.BirthYears.Add((stored.Id, stored.Version, document.Patient!.BirthYear!.Value));
                stored.FillIn(document.Patient);
            }

            var entity = document.ToNewCase(patient!, Guid.CreateVersion7());
            rows.Cases.Add(entity);
            if (document.SourceCaseId is { } taken) known.Cases[(entity.HospitalId, taken)] = entity.Id;
            results[end] = new CaseWriteResult.Created(entity.Id);
        }

        try
        {
            if (rows.Cases.Count > 0) await StoreAsync(rows, ct);
        }
        catch (Exception ex) when (LostRace(ex))
        {
            // The transaction rolled back: nothing of this run is stored. Line by line, each line gets its answer.
            for (var i = start; i < end; i++) results[i] = await CreateOneAsync(all[i], ct);
        }
        finally
        {
            db.ChangeTracker.Clear(); // one context serves the whole upload: forget this run's rows
        }
        return end - start;
    }

    /// <summary>
    /// One transaction; the execution strategy may run it again after a transient failure, so each try starts afresh.
    /// A failure may come after the COMMIT reached the server (its acknowledgement lost): before trying again the
    /// strategy asks whether the run's first case is stored, since the run's ids are fixed and commit together.
    /// </summary>
    private Task StoreAsync(NewRows rows, CancellationToken ct) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(rows, async (_, rows, ct) =>
        {
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow();
            var audit = new List<AuditEntry>();
            void Created(Versioned entity)
            {
                AuditStamping.StampCreated(entity, now);
                audit.Add(AuditStamping.Created(db, entity, now));
            }
            foreach (var patient in rows.Patients) Created(patient);
            foreach (var entity in rows.Cases)
            {
                Created(entity);
                foreach (var child in entity.Diagnostics) Created(child);
                foreach (var child in entity.Medications) Created(child);
                foreach (var child in entity.Outcomes) Created(child);
            }

            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await ChunkCopy.WriteAsync((NpgsqlConnection)db.Database.GetDbConnection(), rows.Patients, rows.Cases, audit, ct);
            if (rows.BirthYears.Count > 0)
            {
                // Only the changed columns are written, so a stand-in carrying the id and the version the checks saw
                // is enough: SaveChanges updates birth_year where that version still holds, bumps it and audits it.
                foreach (var (id, version, birthYear) in rows.BirthYears)
                {
                    var patient = new Patient { Id = id, Version = version, Pseudonym = "", Sex = "" };
                    db.Patients.Attach(patient);
                    patient.BirthYear = birthYear;
                }
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
            return true;
        }, async (_, rows, ct) =>
        {
            db.ChangeTracker.Clear();
            var firstId = rows.Cases[0].Id;
            return new ExecutionResult<bool>(await db.Cases.AnyAsync(c => c.Id == firstId, ct), true);
        }, ct);

    private async Task<CaseWriteResult> CreateOneAsync(CaseDocument document, CancellationToken ct)
    {
        try
        {
            db.ChangeTracker.Clear();
            return await oneByOne.CreateAsync(document, null, ct);
        }
        catch (DbUpdateException ex) when (LostRace(ex))
        {
            // CaseWriter answers a lost sourceCaseId race itself but not a lost pseudonym. By the time the insert
            // failed the other writer had committed, so a second try sees its rows and answers correctly.
            db.ChangeTracker.Clear();
            return await oneByOne.CreateAsync(document, null, ct);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>A concurrent writer took a sourceCaseId or pseudonym, or changed a patient whose birth year this run fills in.</summary>
    private static bool LostRace(Exception ex) =>
        ex is DbUpdateConcurrencyException
        || (ex as PostgresException ?? ex.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>What one run adds: new patients, new cases (with children), and birth years filled in on stored patients.</summary>
    private sealed class NewRows
    {
        public List<Patient> Patients { get; } = [];
        public List<Case> Cases { get; } = [];
        public List<(Guid PatientId, int Version, int BirthYear)> BirthYears { get; } = [];
    }
}

/// <summary>What a chunk's checks need from the database, fetched with one query each, and kept up to date as the chunk's own cases are accepted.</summary>
internal sealed record ChunkLookups(
    Dictionary<Guid, Patient> PatientsById,
    HashSet<Guid> Hospitals,
    Dictionary<(Guid HospitalId, string Pseudonym), Patient> PatientsByPseudonym,
    Dictionary<(Guid HospitalId, string SourceCaseId), Guid> Cases)
{
    /// <param name="db">The upload's context, with the caller's tenancy filters.</param>
    /// <param name="documents">The chunk's documents after tenancy (null: forbidden).</param>
    /// <param name="ct">Cancels the lookups.</param>
    public static async Task<ChunkLookups> LoadAsync(RegistryDb db, IReadOnlyList<CaseDocument?> documents, CancellationToken ct)
    {
        var present = documents.OfType<CaseDocument>().ToList();

        // As CaseWriter: a patient named by id is read untracked, through the caller's tenancy filter.
        var patientIds = present.Where(d => d.PatientId is not null).Select(d => d.PatientId!.Value).Distinct().ToList();
        var byId = patientIds.Count == 0 ? []
            : await db.Patients.AsNoTracking().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);

        var inline = present.Where(d => d.PatientId is null).ToList();
        var hospitalIds = inline.Select(d => d.HospitalId!.Value).Distinct().ToList();
        var hospitals = hospitalIds.Count == 0 ? []
            : (await db.Hospitals.Where(h => hospitalIds.Contains(h.Id)).Select(h => h.Id).ToListAsync(ct)).ToHashSet();

        // Untracked: the chunk writer records a birth year it fills in and writes it itself.
        var patientKeys = inline.Where(d => hospitals.Contains(d.HospitalId!.Value))
            .Select(d => (d.HospitalId!.Value, d.Patient!.MatchedPseudonym())).Distinct().ToList();
        var byPseudonym = new Dictionary<(Guid, string), Patient>();
        if (patientKeys.Count > 0)
        {
            var (keyHospitals, keyPseudonyms) = (patientKeys.Select(k => k.Item1).ToArray(), patientKeys.Select(k => k.Item2).ToArray());
            foreach (var p in await db.Patients.FromSql($"""
                    SELECT p.* FROM patients p
                    JOIN unnest({keyHospitals}::uuid[], {keyPseudonyms}::text[]) AS k (hospital_id, pseudonym) USING (hospital_id, pseudonym)
                    """).AsNoTracking().ToListAsync(ct))
                byPseudonym[(p.HospitalId, p.Pseudonym)] = p;
        }

        // The hospital a sourceCaseId is unique in is the patient's: known here for every document that can be stored.
        var caseKeys = present.Where(d => d.SourceCaseId is not null)
            .Select(d => (Hospital: d.PatientId is { } id ? byId.GetValueOrDefault(id)?.HospitalId : d.HospitalId, d.SourceCaseId))
            .Where(k => k.Hospital is not null).Select(k => (k.Hospital!.Value, k.SourceCaseId!)).Distinct().ToList();
        var cases = new Dictionary<(Guid, string), Guid>();
        if (caseKeys.Count > 0)
        {
            var (keyHospitals, keySources) = (caseKeys.Select(k => k.Item1).ToArray(), caseKeys.Select(k => k.Item2).ToArray());
            foreach (var c in await db.Cases.FromSql($"""
                    SELECT c.* FROM cases c
                    JOIN unnest({keyHospitals}::uuid[], {keySources}::text[]) AS k (hospital_id, source_case_id) USING (hospital_id, source_case_id)
                    """).AsNoTracking().Select(c => new { c.HospitalId, c.SourceCaseId, c.Id }).ToListAsync(ct))
                cases[(c.HospitalId, c.SourceCaseId!)] = c.Id;
        }

        return new ChunkLookups(byId, hospitals, byPseudonym, cases);
    }
}
