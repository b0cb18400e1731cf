using Registry.Api.Fhir.BulkData;

namespace Registry.Api.Fhir;

public static class FhirServices
{
    /// <summary>The FHIR REST reads and searches, and the Bulk Data export's jobs and worker.</summary>
    public static IServiceCollection AddFhir(this IServiceCollection services)
    {
        services.AddScoped<FhirResources>();
        services.AddScoped<FhirSearch>();
        return services.AddFhirBulkExport();
    }
}
