namespace Registry.Api.Outcomes;

public static class OutcomeEndpoints
{
    public static IEndpointRouteBuilder MapOutcomes(this IEndpointRouteBuilder routes) => routes; // TODO
}
