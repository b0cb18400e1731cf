using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Idempotency;
using Registry.Api.Security;

namespace Registry.Api.Hospitals;

public static class HospitalEndpoints
{
    public static RouteGroupBuilder MapHospitals(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/hospitals").WithTags("Hospitals");

        group.MapGet("/", List).WithName("ListHospitals")
            .WithSummary("List hospitals")
            .WithDescription("Every hospital contributing cases, ordered by name.");
        group.MapGet("/{id:guid}", Get).WithName("GetHospital")
            .WithSummary("Get a hospital")
            .WithDescription("One hospital by id.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).WithName("CreateHospital")
            .WithSummary("Register a hospital")
            .WithDescription("Registers a hospital; its id is generated and returned in the body and the Location header.")
            .WithRequestExample(HospitalMapping.Example)
            .RequireAuthorization(Policies.Admin)
            .WithIdempotency();
        group.MapPut("/{id:guid}", Update).WithName("UpdateHospital")
            .WithSummary("Update a hospital")
            .WithDescription("Replaces the hospital's name, city and country; its version increases by one. Send If-Match with the ETag of your last read.")
            .WithRequestExample(HospitalMapping.Example)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Policies.Admin);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteHospital")
            .WithSummary("Delete a hospital")
            .WithDescription("Deletes a hospital that has no patients. A hospital with patients answers 409: delete or move its patients first.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(Policies.Admin);

        return group;
    }

    private static async Task<Ok<List<HospitalResponse>>> List(RegistryDb db, CancellationToken ct) =>
        TypedResults.Ok(await db.Hospitals.AsNoTracking().OrderBy(h => h.Name).ThenBy(h => h.Id)
            .Take(1000).Select(h => h.ToResponse()).ToListAsync(ct));

    private static async Task<Results<Ok<HospitalResponse>, ProblemHttpResult>> Get(
        [Description("The hospital's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Hospitals.AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, ct) is { } hospital
            ? TypedResults.Ok(hospital.ToResponse())
            : Problems.NotFound("hospital", id);

    private static async Task<Created<HospitalResponse>> Create(HospitalRequest request, RegistryDb db, CancellationToken ct)
    {
        var hospital = new Hospital { Name = "" };
        request.Apply(hospital);
        db.Hospitals.Add(hospital);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/hospitals/{hospital.Id}", hospital.ToResponse());
    }

    private static async Task<Results<Ok<HospitalResponse>, ProblemHttpResult>> Update(
        [Description("The hospital's id.")] Guid id, HospitalRequest request,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch, RegistryDb db, CancellationToken ct)
    {
        var (hospital, refused) = await db.Hospitals.FindForWriteAsync(id, "hospital", ifMatch, ct, request.Version);
        if (hospital is null) return refused!;
        request.Apply(hospital);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(hospital.ToResponse());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The hospital's id.")] Guid id,
        [FromHeader(Name = "If-Match"), Description(Preconditions.IfMatchDescription)] string? ifMatch, RegistryDb db, CancellationToken ct)
    {
        var (hospital, refused) = await db.Hospitals.FindForWriteAsync(id, "hospital", ifMatch, ct);
        if (hospital is null) return refused!;
        if (await db.Patients.AnyAsync(p => p.HospitalId == id, ct))
            return Problems.Conflict("Hospital has patients.",
                "A hospital with patients cannot be deleted; delete its patients (and so their cases) first.");
        db.Hospitals.Remove(hospital);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
