using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Registry.Api.Cases;
using Registry.Api.Drugs;
using Registry.Api.Fhir;
using Registry.Api.Hospitals;
using Registry.Api.Patients;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.OpenApi;

/// <summary>The FHIR routes' OpenAPI: FHIR schemas for their bodies and examples built through the real mapping.</summary>
public static class FhirOpenApi
{
    public static void AddTo(SwaggerGenOptions options)
    {
        options.OperationFilter<FhirResponseSchemas>();
        options.OperationFilter<FhirExamples>();
        options.DocumentFilter<NoJsonNodeSchemas>();
        options.OperationFilter<BulkExportOpenApi>();
    }

    /// <summary>
    /// Swagger examples for the FHIR routes, built from the first documented case (the Tiantan seed) through the
    /// real mapping, so they are valid FHIR and cannot drift from what the API returns. Runs after the
    /// registry's own example filter and replaces the problem-details examples it sets on these routes.
    /// </summary>
    private sealed class FhirExamples(IOptions<JsonOptions> json, IServiceScopeFactory scopes) : IOperationFilter
    {
        private readonly Lazy<FhirCase?> _seed = new(() =>
        {
            using var scope = scopes.CreateScope();
            var drugs = scope.ServiceProvider.GetRequiredService<DrugCatalog>().AllAsync(CancellationToken.None).GetAwaiter().GetResult();
            var catalog = new ApiExamples(ApiExamples.ReadFirstSeed(json.Value.SerializerOptions), drugs);
            return catalog.For(typeof(CaseResponse)) is CaseResponse c && catalog.For(typeof(PatientResponse)) is PatientResponse p
                && catalog.For(typeof(HospitalResponse)) is HospitalResponse h ? new FhirCase(c, p, h) : null;
        });

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            foreach (var example in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<FhirExample>())
            {
                var content = example.Status is null ? operation.RequestBody?.Content
                    : operation.Responses?.TryGetValue(example.Status.Value.ToString(), out var response) == true ? response.Content : null;
                if (content is null || Build(example.Kind) is not { } node) continue;
                var schema = FhirSchemas.For(example.Kind, context.SchemaRepository, context.Document);
                foreach (var media in content.Values.OfType<OpenApiMediaType>())
                {
                    media.Example = node.DeepClone();
                    if (schema is not null) media.Schema = schema;
                }
            }
        }

        private JsonNode? Build(FhirExampleKind kind) => kind switch
        {
            FhirExampleKind.Bundle => _seed.Value is { } s ? CaseToFhir.Bundle(s, false) : null,
            FhirExampleKind.Transaction => _seed.Value is { } s ? CaseToFhir.Bundle(s, true) : null,
            FhirExampleKind.Ndjson => _seed.Value is { } s ? JsonValue.Create(CaseToFhir.Bundle(s, false).ToJsonString(FhirJson.Output) + "\n") : null,
            FhirExampleKind.TransactionResponse => new JsonObject
            {
                ["resourceType"] = "Bundle", ["type"] = "transaction-response",
                ["entry"] = new JsonArray(new JsonObject { ["response"] = new JsonObject { ["status"] = "200 OK", ["location"] = "Organization/7428361b-bc8b-44d5-a0a5-f5edc53db9a8/_history/1", ["etag"] = "W/\"1\"" } },
                    new JsonObject { ["response"] = new JsonObject { ["status"] = "201 Created", ["location"] = "Patient/0195f1a0-0000-7000-8000-0000000000c2/_history/1", ["etag"] = "W/\"1\"" } }),
            },
            FhirExampleKind.CapabilityStatement => CapabilityStatement.Build("http://localhost:5080/api/v1/fhir"),
            FhirExampleKind.BadRequest => OperationOutcomes.One("value", "Bundle.type", "Must be 'transaction' (GET /api/v1/cases/{id}/fhir?bundleType=transaction gives one)."),
            FhirExampleKind.NotFound => OperationOutcomes.One("not-found", "", "No case has id '0195f1a0-0000-7000-8000-00000000dead'."),
            FhirExampleKind.Conflict => OperationOutcomes.One("duplicate", "Bundle.entry[2].resource.identifier",
                "This hospital already has a case with sourceCaseId 'tiantan-2019-04-hfs-gabapentin': /api/v1/cases/96779884-1e8a-4081-b248-6f698b027e6e. Nothing was stored."),
            FhirExampleKind.Unprocessable => OperationOutcomes.From([
                new FhirIssue("code-invalid", "Bundle.entry[1].resource.gender", "'M' is not an AdministrativeGender (registry field patient.sex); use male, female, other or unknown."),
                new FhirIssue("invalid", "Bundle.entry[20].resource.component[0].valueInteger", "Registry field outcomes[0].severity.score: 5 is outside the 'smc' scale; its scores run from 1 to 4."),
            ]),
            _ => null,
        };
    }

    /// <summary>
    /// On the FHIR routes every error is an OperationOutcome (<see cref="FhirProblemWriter"/>), so each error status
    /// declared for them, by the route or by the registry-wide status filter, is described as one; any other FHIR
    /// body is at least a FHIR resource (<see cref="FhirExamples"/>, which runs next, names Bundles and the like).
    /// </summary>
    private sealed class FhirResponseSchemas : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (operation.Responses is null || !FhirProblemWriter.IsFhirRoute(new PathString("/" + context.ApiDescription.RelativePath))) return;
            var outcome = FhirSchemas.For(FhirExampleKind.NotFound, context.SchemaRepository, context.Document);
            foreach (var (status, response) in operation.Responses)
            {
                if (response is not OpenApiResponse declared) continue;
                if (int.TryParse(status, out var code) && code >= 400)
                    declared.Content = new Dictionary<string, IOpenApiMediaType>
                    {
                        [FhirSystems.MediaType] = new OpenApiMediaType
                        {
                            Schema = outcome,
                            Example = OperationOutcomes.One(FhirProblemWriter.IssueCode(code), "", declared.Description ?? ""),
                        },
                    };
                else if (declared.Content?.TryGetValue(FhirSystems.MediaType, out var body) == true && body is OpenApiMediaType media)
                    media.Schema = FhirSchemas.AnyResource(context.SchemaRepository, context.Document);
            }
        }
    }

    /// <summary>The FHIR routes' JsonObject bodies are described by <see cref="FhirSchemas"/>; JsonNode's own members are no contract.</summary>
    private sealed class NoJsonNodeSchemas : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Components?.Schemas?.Remove("JsonNode");
            document.Components?.Schemas?.Remove("JsonNodeOptions");
        }
    }
}
