namespace Registry.Api.Cases;

public static class CaseEndpoints
{
    public static IEndpointRouteBuilder MapCases(this IEndpointRouteBuilder routes) => routes; // TODO
}
