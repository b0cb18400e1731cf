using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Registry.Api.Fhir;

namespace Registry.Tests.Fhir;

/// <summary>
/// Firely's FHIR validator over the R4 specification (base resources, data types, value sets and the
/// vital-signs profile, from Hl7.Fhir.Specification.Data.R4) and the registry's own extension definitions.
/// One per test run: it compiles each StructureDefinition the first time it meets it, which takes seconds.
/// </summary>
public static class FhirValidation
{
    private static readonly Lazy<Validator> Shared = new(Create);
    private static readonly Lock Gate = new();

    private static Validator Create()
    {
        var specification = ZipSource.CreateValidationSource(Path.Combine(AppContext.BaseDirectory, "specification.zip"));
        var registry = new InMemoryResourceResolver(FhirExtensions.All.Select(FhirExtensions.Definition).ToArray());
        var resolver = new CachedResolver(new SnapshotSource(new MultiResolver(registry, specification)));
        return new Validator(resolver, new LocalTerminologyService(resolver));
    }

    /// <summary>The validator's errors (and fatals) for a resource given as FHIR JSON, each as "FHIRPath: message".</summary>
    public static List<string> Errors(string json)
    {
        var (resource, parseIssues) = FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(parseIssues.Count == 0, string.Join("\n", parseIssues.Select(i => i.Message)));
        OperationOutcome outcome;
        lock (Gate) outcome = Shared.Value.Validate(resource!, null);
        return outcome.Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{string.Join(", ", i.Expression)}: {i.Details?.Text ?? i.Diagnostics}")
            .ToList();
    }

    public static void AssertValid(string json)
    {
        var errors = Errors(json);
        Assert.True(errors.Count == 0, $"{errors.Count} validation errors:\n{string.Join("\n", errors)}");
    }
}
