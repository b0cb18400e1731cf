using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Vocabulary;

namespace Registry.Api.Medications;

public static class MedicationEndpoints
{
    public static RouteGroupBuilder MapMedications(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Medications");

        group.MapGet("/cases/{caseId:guid}/medications", List).WithName("ListMedications")
            .WithSummary("List a case's medications")
            .WithDescription("Every drug given in the case, ordered by start day (undated last), then by when it was recorded. " +
                "Each carries the drug's name, ATC code and class from the vocabulary.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/cases/{caseId:guid}/medications", Create).WithName("CreateMedication")
            .WithSummary("Add a medication to a case")
            .WithDescription("Records a drug given in the case. `drug` must be a vocabulary code (GET /api/v1/vocabulary); " +
                "days count from admission (day 0) and dose changes go in `adjustments`. The id is generated and returned " +
                "in the body and the Location header.")
            .WithRequestExample(Examples.Gabapentin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/medications/{id:guid}", Get).WithName("GetMedication")
            .WithSummary("Get a medication")
            .WithDescription("One medication by id, with the drug's name, ATC code and class from the vocabulary.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/medications/{id:guid}", Update).WithName("UpdateMedication")
            .WithSummary("Replace a medication")
            .WithDescription("Replaces every field of the medication (fields left out become empty); its version increases by one. " +
                "It stays with its case.")
            .WithRequestExample(Examples.Gabapentin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/medications/{id:guid}", Delete).WithName("DeleteMedication")
            .WithSummary("Delete a medication")
            .WithDescription("Deletes one medication; the case and its other records are unchanged.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static async Task<Results<Ok<List<MedicationResponse>>, ProblemHttpResult>> List(
        [Description("The case's id.")] Guid caseId, RegistryDb db, DrugCatalog catalog, CancellationToken ct)
    {
        var medications = await db.Medications.AsNoTracking().Where(m => m.CaseId == caseId)
            .OrderBy(m => m.StartDay).ThenBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .ToListAsync(ct);
        if (medications.Count == 0 && !await db.CaseExistsAsync(caseId, ct)) return Problems.NotFound("case", caseId);
        var drugs = await catalog.AllAsync(ct);
        return TypedResults.Ok(medications.Select(m => m.ToResponse(drugs.GetValueOrDefault(m.Drug))).ToList());
    }

    private static async Task<Results<Created<MedicationResponse>, ProblemHttpResult>> Create(
        [Description("The case's id.")] Guid caseId, MedicationRequest request, RegistryDb db, DrugCatalog catalog, CancellationToken ct)
    {
        if (await db.HospitalOfCaseAsync(caseId, ct) is not { } hospitalId) return Problems.NotFound("case", caseId);
        if (await db.Medications.CountAsync(m => m.CaseId == caseId, ct) >= RequestLimits.ChildrenPerCase)
            return CaseChildren.TooMany("medications");

        var medication = request.ToEntity(caseId, hospitalId);
        db.Medications.Add(medication);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/medications/{medication.Id}", await medication.ToResponseAsync(catalog, ct));
    }

    private static async Task<Results<Ok<MedicationResponse>, ProblemHttpResult>> Get(
        [Description("The medication's id.")] Guid id, RegistryDb db, DrugCatalog catalog, CancellationToken ct) =>
        await db.Medications.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) is { } medication
            ? TypedResults.Ok(await medication.ToResponseAsync(catalog, ct))
            : Problems.NotFound("medication", id);

    private static async Task<Results<Ok<MedicationResponse>, ProblemHttpResult>> Update(
        [Description("The medication's id.")] Guid id, MedicationRequest request, RegistryDb db, DrugCatalog catalog, CancellationToken ct)
    {
        var medication = await db.Medications.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (medication is null) return Problems.NotFound("medication", id);

        request.ApplyTo(medication);
        // A change to the adjustments alone touches only the owned JSON entries; marking the medication
        // itself modified makes every PUT bump its version and timestamp.
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return CaseChildren.ChangedMeanwhile("medication", id);
        }
        return TypedResults.Ok(await medication.ToResponseAsync(catalog, ct));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [Description("The medication's id.")] Guid id, RegistryDb db, CancellationToken ct) =>
        await db.Medications.Where(m => m.Id == id).ExecuteDeleteAsync(ct) == 0
            ? Problems.NotFound("medication", id)
            : TypedResults.NoContent();

    /// <summary>The response with the drug's vocabulary entry (already loaded when the request was validated).</summary>
    private static async Task<MedicationResponse> ToResponseAsync(this Medication medication, DrugCatalog catalog, CancellationToken ct) =>
        medication.ToResponse((await catalog.AllAsync(ct)).GetValueOrDefault(medication.Drug));

    private static class Examples
    {
        /// <summary>Case 1 (Beijing, April 2019): gabapentin, increased after two days of minimal relief, tapered at the end.</summary>
        public static readonly MedicationRequest Gabapentin = new(
            Drug: "gabapentin",
            ProductName: "Gabapentin capsules",
            Route: Route.Oral,
            Form: "capsule",
            Dose: null,
            Frequency: null,
            StartDay: 0,
            EndDay: null,
            Setting: Setting.Both,
            Purpose: "Reduce abnormal neuronal firing of the facial nerve (off-label for spasm).",
            Adjustments: [new(2, DoseChange.Increased, "Minimal relief after two days at the standard dose; increased under close monitoring.")],
            Ending: Ending.Tapered);
    }
}
