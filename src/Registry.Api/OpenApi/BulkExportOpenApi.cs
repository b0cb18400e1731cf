using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

using Registry.Api.Fhir.BulkData;

namespace Registry.Api.OpenApi;

/// <summary>Describes a POST kick-off's body as a FHIR resource (a JsonObject's own members are no contract).</summary>
public sealed class BulkExportOpenApi : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ParametersBody>().Any() || operation.RequestBody?.Content is not { } content) return;
        foreach (var media in content.Values.OfType<OpenApiMediaType>())
            media.Schema = FhirSchemas.AnyResource(context.SchemaRepository, context.Document);
    }
}
