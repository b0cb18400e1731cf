using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Registry.Api.Fhir;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.OpenApi;

/// <summary>
/// Compact OpenAPI schemas of the FHIR R4 resources the FHIR routes exchange: the resourceType as a constant and
/// the main members, every other member allowed (FHIR resources carry many more). The handlers build these as
/// JsonObjects, whose own schema would describe .NET's JsonNode class instead.
/// </summary>
public static class FhirSchemas
{
    public const string Bundle = "FhirBundle", OperationOutcome = "FhirOperationOutcome",
        CapabilityStatement = "FhirCapabilityStatement", Resource = "FhirResource";

    /// <summary>The schema of a FHIR example kind's body; null for NDJSON, which stays a string.</summary>
    public static IOpenApiSchema? For(FhirExampleKind kind, SchemaRepository repository, OpenApiDocument document) => kind switch
    {
        FhirExampleKind.Bundle or FhirExampleKind.Transaction or FhirExampleKind.TransactionResponse => Reference(Bundle, repository, document),
        FhirExampleKind.CapabilityStatement => Reference(CapabilityStatement, repository, document),
        FhirExampleKind.BadRequest or FhirExampleKind.NotFound or FhirExampleKind.Conflict or FhirExampleKind.Unprocessable =>
            Reference(OperationOutcome, repository, document),
        _ => null,
    };

    /// <summary>Any FHIR resource (resourceType and id; every other member allowed).</summary>
    public static IOpenApiSchema AnyResource(SchemaRepository repository, OpenApiDocument document) => Reference(Resource, repository, document);

    private static OpenApiSchemaReference Reference(string id, SchemaRepository repository, OpenApiDocument document)
    {
        if (!repository.Schemas.ContainsKey(Resource))
        {
            repository.AddDefinition(Resource, ResourceSchema());
            repository.AddDefinition(Bundle, BundleSchema(document));
            repository.AddDefinition(OperationOutcome, OperationOutcomeSchema());
            repository.AddDefinition(CapabilityStatement, CapabilityStatementSchema());
        }
        return new OpenApiSchemaReference(id, document);
    }

    private static OpenApiSchema ResourceSchema() => Open("Any FHIR R4 resource.", ["resourceType"], new()
    {
        ["resourceType"] = Text("The resource's type, e.g. Patient or Observation."),
        ["id"] = Text(null),
    });

    private static OpenApiSchema BundleSchema(OpenApiDocument document) => Open("A FHIR R4 Bundle.", ["resourceType", "type"], new()
    {
        ["resourceType"] = Constant("Bundle"),
        ["id"] = Text(null),
        ["type"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Enum = ["document", "message", "transaction", "transaction-response", "batch", "batch-response", "history", "searchset", "collection"],
        },
        ["timestamp"] = Text(null),
        ["entry"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = Open("One entry: a resource (with its fullUrl), or in a transaction-response the outcome of one.", [], new()
            {
                ["fullUrl"] = Text(null),
                ["resource"] = new OpenApiSchemaReference(Resource, document),
                ["request"] = Open(null, ["method", "url"], new() { ["method"] = Text(null), ["url"] = Text(null) }),
                ["response"] = Open(null, ["status"], new() { ["status"] = Text(null), ["location"] = Text(null), ["etag"] = Text(null) }),
            }),
        },
    });

    private static OpenApiSchema OperationOutcomeSchema() => Open("A FHIR R4 OperationOutcome: what went wrong, issue by issue.", ["resourceType", "issue"], new()
    {
        ["resourceType"] = Constant("OperationOutcome"),
        ["issue"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            MinItems = 1,
            Items = Open(null, ["severity", "code"], new()
            {
                ["severity"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["fatal", "error", "warning", "information"] },
                ["code"] = Text("An IssueType code, e.g. invalid, value, not-found, duplicate."),
                ["diagnostics"] = Text(null),
                ["expression"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text(null) },
            }),
        },
    });

    private static OpenApiSchema CapabilityStatementSchema() => Open("A FHIR R4 CapabilityStatement.",
        ["resourceType", "status", "date", "kind", "fhirVersion", "format"], new()
        {
            ["resourceType"] = Constant("CapabilityStatement"),
            ["url"] = Text(null),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["draft", "active", "retired", "unknown"] },
            ["date"] = Text(null),
            ["kind"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["instance", "capability", "requirements"] },
            ["fhirVersion"] = Text(null),
            ["format"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text(null) },
            ["rest"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Open(null, ["mode"], new() { ["mode"] = Text(null) }) },
        });

    private static OpenApiSchema Open(string? description, string[] required, Dictionary<string, IOpenApiSchema> properties) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Required = new HashSet<string>(required),
        Properties = properties,
        AdditionalPropertiesAllowed = true,
    };

    private static OpenApiSchema Text(string? description) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema Constant(string value) => new() { Type = JsonSchemaType.String, Const = value, Enum = [JsonValue.Create(value)] };
}
