using Microsoft.EntityFrameworkCore;
using Registry.Api.CaseChildren;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Drugs;

namespace Registry.Api.Medications;

public static class MedicationEndpoints
{
    public static RouteGroupBuilder MapMedications(this IEndpointRouteBuilder routes) =>
        routes.MapCaseChildren<MedicationResource, Medication, MedicationRequest, MedicationResponse>(new(
            Label: "medication",
            List: "Every drug given in the case, ordered by start day (undated last), then in the order they were sent " +
                "(one added later goes after the others of its day). " +
                "Each carries the drug's name, ATC code and class from the vocabulary.",
            Create: "Records a drug given in the case. `drug` must be a vocabulary code (GET /api/v1/vocabulary); " +
                "days count from admission (day 0) and dose changes go in `adjustments`. The id is generated and returned " +
                "in the body and the Location header.",
            Get: "One medication by id, with the drug's name, ATC code and class from the vocabulary.",
            Replace: "Replaces every field of the medication (fields left out become empty); its version increases by one. " +
                "It stays with its case.",
            Delete: "Deletes one medication; the case and its other records are unchanged.",
            CreateExample: Examples.Gabapentin,
            ReplaceExample: Examples.Gabapentin));

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

/// <summary>Medications as a kind of case child, for the shared handlers.</summary>
public sealed class MedicationResource : ICaseChildKind<Medication, MedicationRequest, MedicationResponse>
{
    public static string Name => "medication";
    public static string Plural => "medications";
    public static DbSet<Medication> Set(RegistryDb db) => db.Medications;
    public static IOrderedQueryable<Medication> InOrder(IQueryable<Medication> children) => children.OrderBy(m => m.StartDay).ThenBy(m => m.Ordinal).ThenBy(m => m.Id);
    public static Medication Create(MedicationRequest request, Guid caseId, Guid hospitalId, int ordinal) => request.ToEntity(caseId, hospitalId, ordinal);
    public static void Apply(MedicationRequest request, Medication entity) => request.ApplyTo(entity);

    public static async Task<List<MedicationResponse>> ToResponsesAsync(IReadOnlyList<Medication> children, IServiceProvider services, CancellationToken ct)
    {
        // The vocabulary is usually loaded already, when the request was validated.
        var drugs = await services.GetRequiredService<DrugCatalog>().AllAsync(ct);
        return children.Select(m => m.ToResponse(drugs.GetValueOrDefault(m.Drug))).ToList();
    }
}
