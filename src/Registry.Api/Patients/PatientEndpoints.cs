using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.Patients;

public static class PatientEndpoints
{
    private const string PseudonymConstraint = "patients_pseudonym_per_hospital";

    public static RouteGroupBuilder MapPatients(this IEndpointRouteBuilder routes)
    {
        // Patients carry pseudonyms: hospital keys (their own patients only) and admins, never analysts.
        var group = routes.MapGroup("/patients").WithTags("Patients").RequireAuthorization(Policies.Write);

        group.MapGet("/", List).WithName("ListPatients")
            .WithSummary("List patients")
            .WithDescription("""
                Patients ordered by pseudonym (then id), optionally only those of one hospital, one page at a time:
                at most `limit` (1–200, default 50) per page; pass the page's `nextCursor` back as `cursor` for the next.
                A `hospitalId` no hospital has gives an empty page.
                """);
        group.MapGet("/{id:guid}", Get).WithName("GetPatient")
            .WithSummary("Get a patient")
            .WithDescription("One patient by id.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).WithName("CreatePatient")
            .WithSummary("Register a patient")
            .WithDescription("""
                Registers a patient of an existing hospital under the hospital's own pseudonym; its id is generated and
                returned in the body and the Location header. An unknown `hospitalId` answers 400. A pseudonym the
                hospital already uses answers 409 with `existingPatientId`, the patient who holds it.
                """)
            .WithRequestExample(PatientMapping.Example)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithIdempotency();
        group.MapPut("/{id:guid}", Update).WithName("UpdatePatient")
            .WithSummary("Update a patient")
            .WithDescription("""
                Replaces the patient's hospital, pseudonym, sex and birth year; its version increases by one. The same
                rules as registering apply (unknown `hospitalId` 400, pseudonym taken 409 with `existingPatientId`).
                A patient can move to another hospital only while they have no cases (to correct a wrong hospital):
                cases belong to their hospital, so moving a patient who has cases answers 409 and changes nothing.
                """)
            .WithRequestExample(PatientMapping.Example)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{id:guid}", Delete).WithName("DeletePatient")
            .WithSummary("Delete a patient and their cases")
            .WithDescription("""
                Deletes the patient together with all their cases and those cases' diagnostics, medications and
                outcomes (the database cascades the delete, in one statement, so nothing is left orphaned).
                This cannot be undone.
                """)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<Ok<PatientPage>> List([AsParameters] PatientListQuery query, RegistryDb db, CancellationToken ct)
    {
        var limit = query.Limit ?? RequestLimits.DefaultPageSize;
        var patients = db.Patients.AsNoTracking();
        if (query.HospitalId is { } hospitalId) patients = patients.Where(p => p.HospitalId == hospitalId);
        if (PatientCursor.TryParse(query.Cursor, out var after))
            patients = patients.Where(p => EF.Functions.GreaterThan(
                ValueTuple.Create(p.Pseudonym, p.Id), ValueTuple.Create(after.Pseudonym, after.Id)));

        var page = await patients.OrderBy(p => p.Pseudonym).ThenBy(p => p.Id)
            .Take(limit + 1).Select(p => p.ToResponse()).ToListAsync(ct);
        var next = page.Count > limit ? new PatientCursor(page[limit - 1].Pseudonym, page[limit - 1].Id).ToString() : null;
        return TypedResults.Ok(new PatientPage(page.Take(limit).ToList(), next, limit));
    }

    private static async Task<Results<Ok<PatientResponse>, ProblemHttpResult>> Get(
        [Description("The patient's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Patients.AsNoTracking().Where(p => p.Id == id).Select(p => p.ToResponse()).FirstOrDefaultAsync(ct) is { } patient
            ? TypedResults.Ok(patient)
            : Problems.NotFound("patient", id);

    private static async Task<Results<Created<PatientResponse>, ValidationProblem, ProblemHttpResult>> Create(
        PatientRequest request, Caller caller, RegistryDb db, CancellationToken ct)
    {
        var (hospital, forbidden) = caller.HospitalForWrite(request.HospitalId);
        if (forbidden is not null) return forbidden;
        var patient = (request with { HospitalId = hospital }).ApplyTo(new Patient { Pseudonym = "", Sex = "" });
        if (!await db.Hospitals.AnyAsync(h => h.Id == patient.HospitalId, ct)) return UnknownHospital(patient.HospitalId);
        if (await HolderOfAsync(db, patient.HospitalId, patient.Pseudonym, ct) is { } holder)
            return PseudonymTaken(patient.HospitalId, patient.Pseudonym, holder);

        db.Patients.Add(patient);
        if (await SaveAsync(db, patient, ct) is { } conflict) return conflict;
        return TypedResults.Created($"/api/v1/patients/{patient.Id}", patient.ToResponse());
    }

    private static async Task<Results<Ok<PatientResponse>, ValidationProblem, ProblemHttpResult>> Update(
        [Description("The patient's id.")] Guid id, PatientRequest request,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch,
        Caller caller, RegistryDb db, CancellationToken ct)
    {
        var (patient, refused) = await db.Patients.FindForWriteAsync(id, "patient", ifMatch, ct, request.Version);
        if (patient is null) return refused!;
        var (hospital, forbidden) = caller.HospitalForWrite(request.HospitalId);
        if (forbidden is not null) return forbidden;
        request = request with { HospitalId = hospital };

        var hospitalId = request.HospitalId!.Value;
        if (hospitalId != patient.HospitalId)
        {
            if (!await db.Hospitals.AnyAsync(h => h.Id == hospitalId, ct)) return UnknownHospital(hospitalId);
            var cases = await db.Cases.CountAsync(c => c.PatientId == id, ct);
            if (cases > 0)
                return Problems.Conflict("Patient has cases.",
                    $"The patient has {cases} case(s) at hospital '{patient.HospitalId}', and cases belong to their hospital, " +
                    "so the patient cannot move to another hospital. Register the patient at the other hospital instead.");
        }

        var pseudonym = request.Pseudonym!.Trim();
        if (await HolderOfAsync(db, hospitalId, pseudonym, ct) is { } holder && holder != id)
            return PseudonymTaken(hospitalId, pseudonym, holder);

        request.ApplyTo(patient);
        if (await SaveAsync(db, patient, ct) is { } conflict) return conflict;
        return TypedResults.Ok(patient.ToResponse());
    }

    private static Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The patient's id.")] Guid id,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch, RegistryDb db, CancellationToken ct)
        // The database cascades to the patient's cases and their children.
        => db.DeleteVersionedAsync(db.Patients, id, "patient", ifMatch, ct);

    private static Task<Guid?> HolderOfAsync(RegistryDb db, Guid hospitalId, string pseudonym, CancellationToken ct) =>
        db.Patients.AsNoTracking().Where(p => p.HospitalId == hospitalId && p.Pseudonym == pseudonym)
            .Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Saves, turning the two races validation cannot see into the answers the checks would have given: another
    /// request took the pseudonym in between (409 naming the holder), or changed the patient in between (409).
    /// </summary>
    private static async Task<ProblemHttpResult?> SaveAsync(RegistryDb db, Patient patient, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException
                   { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: PseudonymConstraint })
        {
            var holder = await HolderOfAsync(db, patient.HospitalId, patient.Pseudonym, ct);
            return holder is { } id
                ? PseudonymTaken(patient.HospitalId, patient.Pseudonym, id)
                : Problems.Conflict("Pseudonym already in use.", "Another request used this pseudonym at the same time; retry.");
        }
    }

    private static ValidationProblem UnknownHospital(Guid hospitalId) =>
        Problems.Invalid("hospitalId", $"No hospital has id '{hospitalId}'; GET /api/v1/hospitals lists them.");

    private static ProblemHttpResult PseudonymTaken(Guid hospitalId, string pseudonym, Guid holder) =>
        Problems.Conflict("Pseudonym already in use.",
            $"Hospital '{hospitalId}' already has a patient with pseudonym '{pseudonym}': patient '{holder}'. " +
            "Pseudonyms are unique per hospital.",
            new Dictionary<string, object?> { ["existingPatientId"] = holder });
}
