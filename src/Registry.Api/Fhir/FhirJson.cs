using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Registry.Api.Fhir;

/// <summary>Small builders for FHIR JSON datatypes, and the rule that FHIR JSON never carries null or empty values.</summary>
public static class FhirJson
{
    /// <summary>Compact JSON that keeps text readable (apostrophes, °C, CJK not \u-escaped): FHIR responses are never embedded in HTML.</summary>
    public static readonly JsonSerializerOptions Output = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions Writer = new() { Encoder = Output.Encoder };

    public static JsonObject Coding(string system, string code, string? display = null) =>
        new() { ["system"] = system, ["code"] = code, ["display"] = display };

    public static JsonObject Concept(string? text, params JsonObject?[] codings) =>
        new() { ["coding"] = Array(codings), ["text"] = text };

    public static JsonObject Reference(string fullUrl) => new() { ["reference"] = fullUrl };

    public static JsonObject Quantity(decimal value, string ucum, string? unit = null) =>
        new() { ["value"] = value, ["unit"] = unit ?? ucum, ["system"] = FhirSystems.Ucum, ["code"] = ucum };

    public static JsonObject Extension(string url, string valueType, JsonNode? value) =>
        new() { ["url"] = url, [valueType] = value };

    public static JsonArray Array(IEnumerable<JsonNode?> items) => new(items.Where(i => i is not null).ToArray());

    public static string UrnUuid(Guid id) => $"urn:uuid:{id}";

    /// <summary>
    /// A stable UUID for a resource that has no row of its own (the encounter, a finding), derived from the
    /// case's id and a name, so exporting the same case twice gives the same bundle.
    /// </summary>
    public static Guid DerivedId(Guid seed, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed:N}/{name}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style (name-based)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    /// <summary>Removes null values and empty arrays and objects, recursively: FHIR JSON forbids them.</summary>
    public static T Compact<T>(T node) where T : JsonNode
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is not null) Compact(value);
                    if (value is null || value is JsonArray { Count: 0 } || value is JsonObject { Count: 0 }
                        || value is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0)
                        obj.Remove(key);
                }
                break;
            case JsonArray array:
                for (var i = array.Count - 1; i >= 0; i--)
                {
                    if (array[i] is { } item) Compact(item);
                    if (array[i] is null or JsonObject { Count: 0 }) array.RemoveAt(i);
                }
                break;
        }
        return node;
    }
}
