using System.Globalization;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace Registry.Api.Fhir.BulkData;

/// <summary>What a kick-off asks for: the resource types (all when none named) and the _since instant.</summary>
public sealed record BulkExportParameters(IReadOnlyList<string> Types, DateTimeOffset? Since)
{
    /// <summary>Every type a case exports, in the order of a case Bundle: the files a job can have.</summary>
    public static readonly string[] ResourceTypes =
        ["Organization", "Patient", "Encounter", "Condition", "DiagnosticReport", "Observation", "Medication", "MedicationStatement"];

    /// <summary>NDJSON under the names the Bulk Data IG says servers shall accept for it.</summary>
    public static readonly string[] OutputFormats = ["application/fhir+ndjson", "application/ndjson", "ndjson"];

    /// <summary>A FHIR instant: to the second at least, with a time zone.</summary>
    private static readonly Regex Instant = new(
        @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);

    /// <summary>Reads the parameters of a GET kick-off (query) or a POST one (a Parameters resource's values, as text).</summary>
    public static (BulkExportParameters? Parameters, List<FhirIssue> Issues) Read(IEnumerable<string> type, string? since, string? outputFormat)
    {
        var issues = new List<FhirIssue>();
        var types = type.SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList();
        foreach (var unknown in types.Where(t => !ResourceTypes.Contains(t)))
            issues.Add(new FhirIssue("not-supported", "_type",
                $"'{unknown}' is not a resource type this registry exports; use any of {string.Join(", ", ResourceTypes)}."));

        DateTimeOffset? sinceInstant = null;
        if (since is not null)
        {
            if (Instant.IsMatch(since) && DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                sinceInstant = parsed;
            else
                issues.Add(new FhirIssue("value", "_since",
                    $"'{since}' is not a FHIR instant; give date, time and zone, e.g. 2026-01-31T00:00:00Z (a '+' offset URL-encoded as %2B)."));
        }

        if (outputFormat is not null && !OutputFormats.Contains(outputFormat))
            issues.Add(new FhirIssue("not-supported", "_outputFormat",
                $"'{outputFormat}' is not an output format of this registry; use application/fhir+ndjson (or application/ndjson, ndjson)."));

        return issues.Count > 0 ? (null, issues) : (new BulkExportParameters(types.Count == 0 ? ResourceTypes : types, sinceInstant), issues);
    }

    /// <summary>The parameters a POST kick-off carries in its Parameters resource; any other is an issue.</summary>
    public static (BulkExportParameters? Parameters, List<FhirIssue> Issues) Read(Parameters body)
    {
        var issues = new List<FhirIssue>();
        string? Text(Parameters.ParameterComponent p) => p.Value switch
        {
            Instant instant => instant.Value?.ToString("o", CultureInfo.InvariantCulture),
            PrimitiveType primitive => primitive.ToString(),
            _ => null,
        };
        for (var i = 0; i < body.Parameter.Count; i++)
            if (body.Parameter[i].Name is not ("_type" or "_since" or "_outputFormat"))
                issues.Add(new FhirIssue("not-supported", $"Parameters.parameter[{i}]",
                    $"'{body.Parameter[i].Name}' is not a parameter this registry's export supports; use _type, _since or _outputFormat."));
        var since = body.Parameter.Where(p => p.Name == "_since").Select(Text).LastOrDefault();
        var format = body.Parameter.Where(p => p.Name == "_outputFormat").Select(Text).LastOrDefault();
        var (parameters, more) = Read(body.Parameter.Where(p => p.Name == "_type").Select(p => Text(p) ?? ""), since, format);
        issues.AddRange(more);
        return issues.Count > 0 ? (null, issues) : (parameters, issues);
    }
}
