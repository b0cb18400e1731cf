namespace Registry.Api.Diagnostics;

public static class DiagnosticEndpoints
{
    public static IEndpointRouteBuilder MapDiagnostics(this IEndpointRouteBuilder routes) => routes; // TODO
}
