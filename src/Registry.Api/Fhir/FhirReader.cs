using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Api.Common;

namespace Registry.Api.Fhir;

/// <summary>
/// Reads one FHIR element (a resource or a part of it) by name, recording a typed issue with its FHIRPath
/// for every value of the wrong JSON type or an unknown code, so the importer can report every problem at once.
/// </summary>
public sealed class FhirReader(JsonObject node, string path, List<FhirIssue> issues)
{
    public JsonObject Node => node;
    public string Path => path;

    public string At(string element) => $"{path}.{element}";

    public void Fail(string code, string element, string message) =>
        issues.Add(new FhirIssue(code, element.Length == 0 ? path : At(element), message));

    public bool Has(string name) => node.ContainsKey(name);

    public string? String(string name) => Value(name, JsonValueKind.String, "a string") is { } v ? v.GetValue<string>() : null;

    public bool? Bool(string name)
    {
        if (!node.TryGetPropertyValue(name, out var value) || value is null) return null;
        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        Fail("value", name, "Must be true or false.");
        return null;
    }

    public int? Int(string name)
    {
        if (Value(name, JsonValueKind.Number, "a whole number") is not { } v) return null;
        if (v.TryGetValue<int>(out var i)) return i;
        Fail("value", name, "Must be a whole number.");
        return null;
    }

    public decimal? Decimal(string name)
    {
        if (Value(name, JsonValueKind.Number, "a number") is not { } v) return null;
        if (v.TryGetValue<decimal>(out var d)) return d;
        Fail("value", name, "Must be a decimal number.");
        return null;
    }

    public FhirReader? Object(string name)
    {
        if (!node.TryGetPropertyValue(name, out var value) || value is null) return null;
        if (value is JsonObject obj) return new FhirReader(obj, At(name), issues);
        Fail("structure", name, "Must be a JSON object.");
        return null;
    }

    /// <summary>The objects of an array element, each with its own path (name[i]).</summary>
    public List<FhirReader> Array(string name)
    {
        if (!node.TryGetPropertyValue(name, out var value) || value is null) return [];
        if (value is not JsonArray array)
        {
            Fail("structure", name, "Must be a JSON array.");
            return [];
        }
        var items = new List<FhirReader>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject obj) items.Add(new FhirReader(obj, $"{At(name)}[{i}]", issues));
            else Fail("structure", $"{name}[{i}]", "Must be a JSON object.");
        }
        return items;
    }

    /// <summary>This element's extensions with the given URL.</summary>
    public List<FhirReader> Extensions(string url) =>
        Array("extension").Where(e => e.Node["url"] is JsonValue v && v.TryGetValue<string>(out var u) && u == url).ToList();

    public FhirReader? Extension(string url)
    {
        var found = Extensions(url);
        if (found.Count > 1) Fail("structure", "extension", $"At most one extension {url}.");
        return found.FirstOrDefault();
    }

    /// <summary>The code of the first coding with this system in a CodeableConcept (or a Coding) element.</summary>
    public (string Code, string Path)? Code(string system)
    {
        var codings = Node.ContainsKey("coding") ? Array("coding") : Node.ContainsKey("system") ? [this] : [];
        foreach (var coding in codings)
            if (coding.String("system") == system && coding.String("code") is { } code)
                return (code, coding.At("code"));
        return null;
    }

    /// <summary>An enum value from a registry code; an unknown code is an issue listing the allowed ones.</summary>
    public T? Enum<T>(string system) where T : struct, System.Enum
    {
        if (Code(system) is not { } found) return null;
        if (KebabEnum.TryParse<T>(found.Code, out var value)) return value;
        issues.Add(new FhirIssue("code-invalid", found.Path,
            $"'{found.Code}' is not a code of {system}; use one of: {string.Join(", ", KebabEnum.AllCodes<T>())}."));
        return null;
    }

    private JsonValue? Value(string name, JsonValueKind kind, string what)
    {
        if (!node.TryGetPropertyValue(name, out var value) || value is null) return null;
        if (value is JsonValue v && v.GetValueKind() == kind) return v;
        Fail("value", name, $"Must be {what}.");
        return null;
    }
}
