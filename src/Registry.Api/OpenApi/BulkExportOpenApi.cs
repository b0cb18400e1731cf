using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

using Registry.Api.Fhir.BulkData;

namespace Registry.Api.OpenApi;

/// <summary>
/// What the Bulk Data export routes need beyond their types: the kick-off's required <c>Prefer: respond-async</c>
/// header, the headers its answers carry (the status URL in Content-Location, X-Progress and Retry-After while a job
/// runs), and a POST kick-off's body as a FHIR resource (a JsonObject's own members are no contract).
/// </summary>
public sealed class BulkExportOpenApi : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<BulkExportRoute>().FirstOrDefault() is not { } route) return;
        switch (route.Kind)
        {
            case BulkExportRoute.Step.KickOff:
                operation.Parameters ??= [];
                operation.Parameters.Insert(0, new OpenApiParameter
                {
                    Name = "Prefer", In = ParameterLocation.Header, Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["respond-async"], Default = "respond-async" },
                    Description = "Must be respond-async: the export runs asynchronously (Bulk Data Access IG). Without it the kick-off is a 400.",
                });
                Header(operation, "202", "Content-Location", "The status URL to poll (GET) or cancel (DELETE).");
                if (operation.RequestBody?.Content is { } content)
                    foreach (var media in content.Values.OfType<OpenApiMediaType>())
                        media.Schema = FhirSchemas.AnyResource(context.SchemaRepository, context.Document);
                break;
            case BulkExportRoute.Step.Status:
                if (operation.Responses?.TryGetValue("202", out var running) == true && running is OpenApiResponse response)
                    response.Description = "The job is still running; poll again after Retry-After seconds.";
                Header(operation, "202", "X-Progress", "What the job is doing, e.g. 'selecting cases'.");
                Header(operation, "202", "Retry-After", "Seconds until the next poll is worth making.", JsonSchemaType.Integer);
                Header(operation, "200", "Expires", "When the files stop being served (24 hours after completion), an HTTP date.");
                break;
        }
    }

    private static void Header(OpenApiOperation operation, string status, string name, string description, JsonSchemaType type = JsonSchemaType.String)
    {
        if (operation.Responses?.TryGetValue(status, out var declared) != true || declared is not OpenApiResponse response) return;
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
    }
}
