namespace Registry.Api.Patients;

public static class PatientEndpoints
{
    public static IEndpointRouteBuilder MapPatients(this IEndpointRouteBuilder routes) => routes; // TODO
}
