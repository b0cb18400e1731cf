namespace Registry.Api.Medications;

public static class MedicationEndpoints
{
    public static IEndpointRouteBuilder MapMedications(this IEndpointRouteBuilder routes) => routes; // TODO
}
