namespace Registry.Api.Common;

public static class ProblemSetup
{
    /// <summary>
    /// Problem details for every error. Writers registered before this (a feature's own error format, such as
    /// FHIR's OperationOutcome) are asked first; <see cref="ProblemJsonWriter"/> answers everything else, so the
    /// framework's Accept-sensitive writer is never reached.
    /// </summary>
    public static IServiceCollection AddRegistryProblems(this IServiceCollection services)
    {
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        return services.AddProblemDetails();
    }
}
