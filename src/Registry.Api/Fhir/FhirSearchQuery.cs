using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace Registry.Api.Fhir;

/// <summary>
/// Every search parameter the FHIR search route binds; which of them a type takes is FhirSearch.Supported. A
/// parameter no type takes is refused by the route (KnownQueryParameters) with an OperationOutcome naming it.
/// </summary>
public sealed class FhirSearchQuery
{
    [Description("A resource id.")]
    [FromQuery(Name = "_id")] public string? Id { get; init; }

    [Description("When the resource last changed: an instant or date, prefixed gt, ge, lt or le; repeat for a range.")]
    [FromQuery(Name = "_lastUpdated")] public string[]? LastUpdated { get; init; }

    [Description("Page size, 1 to 200 (default 50).")]
    [FromQuery(Name = "_count")] public string? Count { get; init; }

    [Description("MedicationStatement:medication, to add each statement's Medication.")]
    [FromQuery(Name = "_include")] public string? Include { get; init; }

    [Description("Where the next page starts: set in the searchset's next link; pass it back unchanged.")]
    [FromQuery(Name = "_cursor")] public string? Cursor { get; init; }

    [Description("Patient: the hospital's pseudonym; Encounter: the hospital's sourceCaseId. system|value or value.")]
    [FromQuery(Name = "identifier")] public string? Identifier { get; init; }

    [Description("Patient: male, female, other or unknown.")]
    [FromQuery(Name = "gender")] public string? Gender { get; init; }

    [Description("Condition: SNOMED CT or ICD-10; MedicationStatement: ATC or registry drug code; Observation: LOINC or registry code. system|code or code.")]
    [FromQuery(Name = "code")] public string? Code { get; init; }

    [Description("The patient: Patient/{id} or {id}.")]
    [FromQuery(Name = "subject")] public string? Subject { get; init; }

    /// <summary>The parameters given, by their FHIR names.</summary>
    public IEnumerable<string> Given() => new (string Name, object? Value)[]
    {
        ("_id", Id), ("_lastUpdated", LastUpdated), ("_count", Count), ("_include", Include), ("_cursor", Cursor),
        ("identifier", Identifier), ("gender", Gender), ("code", Code), ("subject", Subject),
    }.Where(p => p.Value is not null).Select(p => p.Name);
}

/// <summary>A token parameter: system|code, |code (no system) or code (any system). A comma in the code is written \,.</summary>
public sealed partial record Token(string? System, string Code, bool AnySystem)
{
    public static Token Parse(string text)
    {
        var bar = text.IndexOf('|');
        return bar < 0 ? new Token(null, Unescape(text), true) : new Token(bar == 0 ? null : text[..bar], Unescape(text[(bar + 1)..]), false);
    }

    /// <summary>True when the value holds a comma that is not escaped: FHIR's list of values.</summary>
    public static bool IsList(string value) => UnescapedComma().IsMatch(value);

    private static string Unescape(string code) => code.Replace(@"\,", ",");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\\),")]
    private static partial System.Text.RegularExpressions.Regex UnescapedComma();

    public bool Matches(Hl7.Fhir.Model.CodeableConcept? concept) =>
        concept?.Coding.Any(c => c.Code == Code && (AnySystem || c.System == System)) == true;
}

/// <summary>One _lastUpdated bound: the comparison and the instant it compares with.</summary>
public sealed record LastUpdatedBound(string Operator, DateTimeOffset At)
{
    /// <summary>
    /// Reads gt|ge|lt|le|eq and an instant or a date (yyyy-MM-dd, as the start of that day in UTC, or the whole day
    /// for eq). Null when malformed.
    /// </summary>
    public static IEnumerable<LastUpdatedBound>? Parse(string text)
    {
        var op = text.Length > 2 && char.IsLetter(text[0]) ? text[..2] : "eq";
        var value = op == "eq" && !char.IsLetter(text[0]) ? text : text[2..];
        if (op is not ("eq" or "gt" or "ge" or "lt" or "le")) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return op switch
            {
                "eq" => [new("ge", start), new("lt", start.AddDays(1))],
                "gt" => [new("ge", start.AddDays(1))],
                "le" => [new("lt", start.AddDays(1))],
                _ => [new(op, start)],
            };
        }
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && value.Contains('T')
            ? [new(op == "eq" ? "ge" : op, at), .. op == "eq" ? new[] { new LastUpdatedBound("le", at) } : []]
            : null;
    }

    public string Sql(string column, string parameter) => $"{column} {Operator switch { "gt" => ">", "ge" => ">=", "lt" => "<", _ => "<=" }} @{parameter}";
}
