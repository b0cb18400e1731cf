using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Registry.Api.Common;
using Registry.Api.Drugs;
using Swashbuckle.AspNetCore.SwaggerGen;
using static Registry.Api.Common.OpenApiMetadata;

namespace Registry.Api.OpenApi;

public static class OpenApiSetup
{
    public static IServiceCollection AddRegistryOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "HFS Registry API",
                Version = "v1",
                Description = """
                    A structured registry of hemifacial-spasm (HFS) cases. Hospital systems post whole cases
                    (`POST /api/v1/cases` with nested diagnostics, medications and outcomes); analysts filter
                    cases and ask how patients on each drug fared (`GET /api/v1/analytics/outcomes-by-drug`).
                    Clinical timing inside a case is relative: day 0 is the admission or first visit. Dates are
                    partial (`2019`, `2019-04`, `2019-04-15`). Errors are RFC 9457 problem details; a 400 names
                    each bad field by its JSON path under `errors`.
                    """,
            });
            options.OperationFilter<ParameterDescriptions>();
            SecurityOpenApi.AddTo(options);
            options.OperationFilter<DeclaredStatuses>();
            options.OperationFilter<OneOfResponses>();
            options.OperationFilter<ResponseHeaders>();
            options.OperationFilter<ImageResponses>();
            options.OperationFilter<Examples>();
            options.SupportNonNullableReferenceTypes();
            options.UseAllOfToExtendReferenceSchemas();
            options.SchemaFilter<ContractSchemas>();
            var xml = Path.Combine(AppContext.BaseDirectory, "Registry.Api.xml");
            if (File.Exists(xml)) options.IncludeXmlComments(xml);
            FhirOpenApi.AddTo(options); // after Examples: the FHIR routes' examples replace the problem-details ones
        });
        return services;
    }

    public static void UseRegistryOpenApi(this WebApplication app)
    {
        // OpenAPI 3.1: nullable members are `type: [x, "null"]` / `oneOf: [null, $ref]`, which standard JSON Schema
        // validators read; 3.0's `allOf: [$ref] + nullable` rejected real nulls.
        app.UseSwagger(swagger => swagger.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1);
        app.UseSwaggerUI(ui =>
        {
            ui.DocumentTitle = "HFS Registry API";
            ui.SwaggerEndpoint("/swagger/v1/swagger.json", "HFS Registry API v1");
            ui.EnableTryItOutByDefault();
            ui.EnablePersistAuthorization();
            ui.DisplayRequestDuration();
        });
    }

    /// <summary>
    /// Fills every request body and response with an example: the one the endpoint declared
    /// (WithRequestExample/WithResponseExample) if any, else the catalog's example for the declared type.
    /// </summary>
    private sealed class Examples(IOptions<JsonOptions> json, IServiceScopeFactory scopes) : IOperationFilter
    {
        private readonly Lazy<ApiExamples> _catalog = new(() =>
        {
            using var scope = scopes.CreateScope();
            var drugs = scope.ServiceProvider.GetRequiredService<DrugCatalog>().AllAsync(CancellationToken.None).GetAwaiter().GetResult();
            return new ApiExamples(ApiExamples.ReadFirstSeed(json.Value.SerializerOptions), drugs);
        });

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var declared = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ExampleMetadata>().ToList();

            if (operation.RequestBody?.Content is { } requestContent)
            {
                var bodyType = context.ApiDescription.ParameterDescriptions
                    .FirstOrDefault(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body)?.Type;
                var example = declared.FirstOrDefault(e => e.Status is null)?.Value
                    ?? (bodyType is null ? null : _catalog.Value.For(bodyType));
                Set(requestContent, example);
            }

            foreach (var (code, response) in operation.Responses ?? [])
            {
                if (response.Content is null || !int.TryParse(code, out var status)) continue;
                foreach (var example in declared.Where(e => e.Status == status && e.MediaType is not null))
                    if (response.Content.TryGetValue(example.MediaType!, out var media)) Set(new Dictionary<string, IOpenApiMediaType> { [example.MediaType!] = media }, example.Value);
                var type = context.ApiDescription.SupportedResponseTypes.FirstOrDefault(r => r.StatusCode == status)?.Type;
                var fallback = declared.FirstOrDefault(e => e.Status == status && e.MediaType is null)?.Value
                    ?? (type is null ? null : _catalog.Value.For(type))
                    ?? (status >= 400 ? ApiExamples.Problem(status) : null);
                Set(response.Content, fallback);
            }
        }

        /// <summary>Sets the example of every media type that has none yet.</summary>
        private void Set(IDictionary<string, IOpenApiMediaType> content, object? example)
        {
            if (example is null) return;
            var node = JsonSerializer.SerializeToNode(example, example.GetType(), json.Value.SerializerOptions);
            foreach (var media in content.Values.OfType<OpenApiMediaType>()) media.Example ??= node?.DeepClone();
        }
    }

    /// <summary>An image a route can answer instead of its JSON (format=svg/png) is text or bytes, not the JSON's schema.</summary>
    private sealed class ImageResponses : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            foreach (var response in operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>())
                foreach (var media in response.Content ?? new Dictionary<string, IOpenApiMediaType>())
                    if (media.Key.StartsWith("image/", StringComparison.Ordinal) && media.Value is OpenApiMediaType image)
                        image.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = media.Key == "image/svg+xml" ? null : "binary" };
        }
    }

    private sealed class ResponseHeaders : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            foreach (var header in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<HeaderMetadata>())
                if (operation.Responses?.TryGetValue(header.Status.ToString(), out var found) == true && found is OpenApiResponse response)
                {
                    response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    response.Headers[header.Name] = new OpenApiHeader
                    {
                        Description = header.Description,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }
        }
    }

    private sealed class OneOfResponses : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            foreach (var oneOf in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<OneOfMetadata>())
            {
                if (operation.Responses?.TryGetValue(oneOf.Status.ToString(), out var response) != true || response!.Content is null) continue;
                foreach (var media in response.Content.Values.OfType<OpenApiMediaType>())
                    media.Schema = new OpenApiSchema { OneOf = oneOf.Types.Select(t => context.SchemaGenerator.GenerateSchema(t, context.SchemaRepository)).ToList() };
            }
        }
    }

    /// <summary>
    /// Copies [Description] from handler parameters and from the properties of [AsParameters] records onto
    /// the matching OpenAPI parameters, so every query and route parameter is explained in Swagger UI.
    /// </summary>
    private sealed class ParameterDescriptions : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (operation.Parameters is null || context.MethodInfo is null) return;
            var descriptions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in context.MethodInfo.GetParameters())
            {
                if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
                    foreach (var property in parameter.ParameterType.GetProperties())
                        AddDescription(descriptions, property.Name, property.GetCustomAttribute<DescriptionAttribute>());
                else
                    AddDescription(descriptions, parameter.Name!, parameter.GetCustomAttribute<DescriptionAttribute>());
            }
            foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
                if (parameter.Name is not null && descriptions.TryGetValue(parameter.Name, out var text))
                    parameter.Description = text;
        }

        private static void AddDescription(Dictionary<string, string> into, string name, DescriptionAttribute? attribute)
        {
            if (attribute is not null) into[name] = attribute.Description;
        }
    }
}
