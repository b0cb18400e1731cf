using System.Text.Json.Nodes;

namespace Registry.Api.Fhir;

/// <summary>
/// One problem with a FHIR request: an issue-type code (http://hl7.org/fhir/issue-type), the FHIRPath of the
/// element (Bundle.entry[3].resource.valueQuantity) and what is wrong, naming the registry field where there is one.
/// </summary>
public sealed record FhirIssue(string Code, string Expression, string Diagnostics);

public static class OperationOutcomes
{
    public static JsonObject From(IEnumerable<FhirIssue> issues, string severity = "error") => new()
    {
        ["resourceType"] = "OperationOutcome",
        ["issue"] = new JsonArray(issues.Select(i => (JsonNode)FhirJson.Compact(new JsonObject
        {
            ["severity"] = severity,
            ["code"] = i.Code,
            ["diagnostics"] = i.Diagnostics,
            ["expression"] = string.IsNullOrEmpty(i.Expression) ? null : new JsonArray(i.Expression),
        })).ToArray()),
    };

    public static JsonObject One(string code, string expression, string diagnostics) => From([new FhirIssue(code, expression, diagnostics)]);

    /// <summary>A FHIR JSON answer with the FHIR media type.</summary>
    public static IResult Result(JsonNode body, int status = StatusCodes.Status200OK) =>
        TypedResults.Content(body.ToJsonString(FhirJson.Output), $"{FhirSystems.MediaType}; charset=utf-8", System.Text.Encoding.UTF8, status);
}
