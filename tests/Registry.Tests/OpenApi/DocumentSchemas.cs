using System.Text.Json.Nodes;
using Json.Schema;

namespace Registry.Tests.OpenApi;

/// <summary>
/// Validates JSON against the schemas of an OpenAPI 3.1 document as a standard JSON Schema 2020-12 validator reads
/// them (JsonSchema.Net): the document's component schemas become the $defs of one registered schema, so any
/// schema taken from the document resolves its $refs there.
/// </summary>
public sealed class DocumentSchemas
{
    private const string Base = "https://registry.test/openapi.json";
    private readonly EvaluationOptions _options = new() { OutputFormat = OutputFormat.List };

    public JsonObject Document { get; }

    public DocumentSchemas(string openApiJson)
    {
        Document = JsonNode.Parse(openApiJson.Replace("\"#/components/schemas/", $"\"{Base}#/$defs/"))!.AsObject();
        var definitions = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = Base,
            ["$defs"] = Document["components"]?["schemas"]?.DeepClone() ?? new JsonObject(),
        };
        _options.SchemaRegistry.Register(JsonSchema.FromText(definitions.ToJsonString()));
    }

    /// <summary>The schema of a response: the operation found by its path template, then status and media type.</summary>
    public JsonNode ResponseSchema(string method, string pathTemplate, int status, string mediaType) =>
        Document["paths"]?[pathTemplate]?[method]?["responses"]?[status.ToString()]?["content"]?[mediaType]?["schema"]
        ?? throw new Xunit.Sdk.XunitException($"The document declares no {mediaType} schema for {method.ToUpperInvariant()} {pathTemplate} {status}");

    /// <summary>Every way the instance breaks the schema; empty when it is valid.</summary>
    public IReadOnlyList<string> Errors(JsonNode schema, JsonNode? instance)
    {
        var result = JsonSchema.FromText(schema.ToJsonString()).Evaluate(instance, _options);
        if (result.IsValid) return [];
        return (result.Details ?? []).Append(result)
            .Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
            .ToList();
    }

    public static JsonNode? Parse(string json) => JsonNode.Parse(json, documentOptions: new JsonDocumentOptions());
}
