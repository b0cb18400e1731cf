using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Patients;
using Registry.Api.Security;

namespace Registry.Api.Cases;

/// <summary>What storing a whole case document came to.</summary>
public abstract record CaseWriteResult
{
    public sealed record Created(Guid Id) : CaseWriteResult;
    public sealed record Updated(Case Case) : CaseWriteResult;
    /// <summary>The document referred to things that do not exist or do not fit together; keys are JSON paths.</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : CaseWriteResult;
    /// <summary>The hospital already holds a case with this sourceCaseId.</summary>
    public sealed record Duplicate(Guid ExistingId, string SourceCaseId) : CaseWriteResult;
    public sealed record NotFound : CaseWriteResult;
    /// <summary>A hospital key named another hospital: the 403 to answer.</summary>
    public sealed record Forbidden(Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem) : CaseWriteResult;
    /// <summary>If-Match was missing or named another version: the 428 or 412 to answer.</summary>
    public sealed record PreconditionFailed(Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem) : CaseWriteResult;
}

/// <summary>
/// Stores whole case documents atomically (one SaveChanges: patient, case and children in one transaction);
/// used by POST/PUT /cases, FHIR import, the seed loader, and bulk ingest when a chunk falls back to line by line
/// (Bulk/CaseChunkWriter applies the same rules, from <see cref="CasePatients"/>, to a chunk at once). Checks what a validator cannot: that a
/// hospital key writes only to its own hospital (the hospital comes from the key), that referenced rows exist,
/// that the hospital fits the patient, and that sourceCaseId is not already taken.
/// </summary>
public sealed class CaseWriter(RegistryDb db)
{
    /// <param name="document">A document that passed CaseDocumentValidator.</param>
    /// <param name="id">A fixed id for the case (seeds); null to generate one.</param>
    /// <param name="ct">Cancels the write; nothing is stored then.</param>
    public async Task<CaseWriteResult> CreateAsync(CaseDocument document, Guid? id, CancellationToken ct)
    {
        var (hospital, forbidden) = db.Caller.HospitalForWrite(document.HospitalId);
        if (forbidden is not null) return new CaseWriteResult.Forbidden(forbidden);
        document = document with { HospitalId = hospital };

        var (patient, problem) = await ResolvePatientAsync(document, ct);
        if (problem is not null) return problem;

        if (await FindBySourceIdAsync(patient!.HospitalId, document.SourceCaseId, null, ct) is { } existing)
            return new CaseWriteResult.Duplicate(existing, document.SourceCaseId!);

        var entity = document.ToNewCase(patient, id ?? Guid.CreateVersion7());
        db.Cases.Add(entity);
        return await SaveAsync(document, patient.HospitalId, new CaseWriteResult.Created(entity.Id), ct);
    }

    /// <summary>Replaces a case's own fields, and each child list the document carries (absent lists are kept).</summary>
    public async Task<CaseWriteResult> ReplaceAsync(Guid id, CaseDocument document, string? ifMatch, CancellationToken ct)
    {
        var (hospital, forbidden) = db.Caller.HospitalForWrite(document.HospitalId);
        if (forbidden is not null) return new CaseWriteResult.Forbidden(forbidden);
        document = document with { HospitalId = hospital };

        var entity = await db.Cases
            .Include(c => c.Diagnostics).Include(c => c.Medications).Include(c => c.Outcomes)
            .AsSplitQuery().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (entity is null) return new CaseWriteResult.NotFound();
        if (Preconditions.Check(ifMatch, entity.Version, document.Version) is { } failed) return new CaseWriteResult.PreconditionFailed(failed);

        var (patient, problem) = await ResolvePatientAsync(document, ct);
        if (problem is not null) return problem;
        if (patient!.HospitalId != entity.HospitalId)
            return CasePatients.Invalid(document.PatientId is not null ? "patientId" : "hospitalId",
                "A case cannot move to another hospital; delete it and create it again there.");

        if (await FindBySourceIdAsync(entity.HospitalId, document.SourceCaseId, id, ct) is { } existing)
            return new CaseWriteResult.Duplicate(existing, document.SourceCaseId!);

        entity.PatientId = patient.Id;
        document.ApplyTo(entity);
        if (document.Diagnostics is not null) db.Diagnostics.RemoveRange(entity.Diagnostics);
        if (document.Medications is not null) db.Medications.RemoveRange(entity.Medications);
        if (document.Outcomes is not null) db.Outcomes.RemoveRange(entity.Outcomes);
        document.ReplaceChildren(entity);
        SummaryColumns.Fill(entity);
        // A replaced child list alone still changes the case: bump its version too.
        db.Entry(entity).Property(c => c.UpdatedAt).IsModified = true;
        return await SaveAsync(document, entity.HospitalId, new CaseWriteResult.Updated(entity), ct);
    }

    private async Task<CaseWriteResult> SaveAsync(CaseDocument document, Guid hospitalId, CaseWriteResult success, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return success;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg)
        {
            // Lost a race with a concurrent request carrying the same sourceCaseId or new pseudonym.
            db.ChangeTracker.Clear();
            if (pg.ConstraintName == "cases_source_case_id_per_hospital"
                && await FindBySourceIdAsync(hospitalId, document.SourceCaseId, null, ct) is { } existing)
                return new CaseWriteResult.Duplicate(existing, document.SourceCaseId!);
            throw;
        }
    }

    /// <summary>The document's patient by <see cref="CasePatients"/>' rules; a new inline patient is added, a missing birth year filled in.</summary>
    private async Task<(Patient? Patient, CaseWriteResult? Problem)> ResolvePatientAsync(CaseDocument document, CancellationToken ct)
    {
        if (document.PatientId is { } patientId)
            return CasePatients.ById(document, await db.Patients.AsNoTracking().FirstOrDefaultAsync(p => p.Id == patientId, ct));

        var inline = document.Patient!;
        var hospitalId = document.HospitalId!.Value;
        if (!await db.Hospitals.AnyAsync(h => h.Id == hospitalId, ct)) return (null, CasePatients.UnknownHospital());

        var pseudonym = inline.MatchedPseudonym();
        var known = await db.Patients.FirstOrDefaultAsync(p => p.HospitalId == hospitalId && p.Pseudonym == pseudonym, ct);
        var (patient, problem) = CasePatients.Inline(hospitalId, inline, known);
        if (problem is not null) return (null, problem);
        if (known is null) db.Patients.Add(patient!);
        else known.FillIn(inline);
        return (patient, null);
    }

    private async Task<Guid?> FindBySourceIdAsync(Guid hospitalId, string? sourceCaseId, Guid? except, CancellationToken ct) =>
        sourceCaseId is null ? null
        : await db.Cases.AsNoTracking()
            .Where(c => c.HospitalId == hospitalId && c.SourceCaseId == sourceCaseId && c.Id != except)
            .Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
}
