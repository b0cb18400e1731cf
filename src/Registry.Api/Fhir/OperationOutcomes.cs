using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace Registry.Api.Fhir;

/// <summary>
/// One problem with a FHIR request: an issue-type code (http://hl7.org/fhir/issue-type), the FHIRPath of the
/// element (Bundle.entry[3].resource.valueQuantity) and what is wrong, naming the registry field where there is one.
/// </summary>
public sealed record FhirIssue(string Code, string Expression, string Diagnostics);

public static class OperationOutcomes
{
    public static OperationOutcome Outcome(IEnumerable<FhirIssue> issues, string severity = "error") => new()
    {
        Issue = issues.Select(i => new OperationOutcome.IssueComponent
        {
            Severity = EnumUtility.ParseLiteral<OperationOutcome.IssueSeverity>(severity),
            Code = EnumUtility.ParseLiteral<OperationOutcome.IssueType>(i.Code) ?? OperationOutcome.IssueType.Invalid,
            Diagnostics = i.Diagnostics,
            Expression = string.IsNullOrEmpty(i.Expression) ? [] : [i.Expression],
        }).ToList(),
    };

    /// <summary>The OperationOutcome as a JSON tree (serialized by Firely's SDK).</summary>
    public static JsonObject From(IEnumerable<FhirIssue> issues, string severity = "error") => FhirJson.Node(Outcome(issues, severity));

    public static JsonObject One(string code, string expression, string diagnostics) => From([new FhirIssue(code, expression, diagnostics)]);

    /// <summary>A FHIR JSON answer with the FHIR media type.</summary>
    public static IResult Result(JsonNode body, int status = StatusCodes.Status200OK) =>
        TypedResults.Content(body.ToJsonString(FhirJson.Output), $"{FhirSystems.MediaType}; charset=utf-8", System.Text.Encoding.UTF8, status);

    /// <summary>
    /// A resource as the FHIR JSON answer, serialized by Firely's SDK. A content result (not one writing to the
    /// response itself), so the Idempotency-Key filter can store and replay it like any other answer.
    /// </summary>
    public static IResult Result(Resource resource, int status = StatusCodes.Status200OK) =>
        TypedResults.Content(System.Text.Encoding.UTF8.GetString(FhirJson.Bytes(resource)), $"{FhirSystems.MediaType}; charset=utf-8",
            System.Text.Encoding.UTF8, status);
}
