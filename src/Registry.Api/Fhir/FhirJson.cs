using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace Registry.Api.Fhir;

/// <summary>
/// FHIR JSON in and out through Firely's SDK (its System.Text.Json serializer and strict deserializer), and the
/// ids the mapping derives. Both are stateless and shared: building them reflects over the whole R4 model.
/// </summary>
public static class FhirJson
{
    /// <summary>Compact JSON that keeps text readable (apostrophes, °C, CJK not \u-escaped): FHIR responses are never embedded in HTML.</summary>
    public static readonly JsonSerializerOptions Output = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions Writer = new() { Encoder = Output.Encoder };

    private static readonly FhirJsonSerializer Serializer = new();

    /// <summary>
    /// Strict: every unknown element, wrong JSON type, invalid literal or code and missing required element is an
    /// issue. Only an empty array (JSON121) is read as absent: it loses nothing, and "extension": [] is what a client
    /// leaves after removing the last one.
    /// </summary>
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict).Ignoring(["JSON121"]));

    // The fields above load Firely's model, the first time anything in the process uses FHIR.
    static FhirJson() => Common.NativeHeap.Trim();

    public static void Write(Resource resource, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, Writer);
        Serializer.Serialize(resource, writer);
    }

    /// <summary>
    /// Writes the resource as one NDJSON line onto <paramref name="body"/>, serialized into <paramref name="buffer"/>
    /// (reused line after line, so a stream of any length holds one resource's bytes at a time).
    /// </summary>
    public static async System.Threading.Tasks.Task WriteLineAsync(Resource resource, ArrayBufferWriter<byte> buffer, Stream body, CancellationToken ct)
    {
        buffer.ResetWrittenCount();
        Write(resource, buffer);
        buffer.Write("\n"u8);
        await body.WriteAsync(buffer.WrittenMemory, ct);
    }

    public static byte[] Bytes(Resource resource)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(resource, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The resource as a JSON tree, for the OpenAPI examples.</summary>
    public static JsonObject Node(Resource resource) => JsonNode.Parse(Bytes(resource))!.AsObject();

    /// <summary>
    /// Reads a FHIR resource. Throws JsonException for text that is not JSON; otherwise returns what could be read
    /// (null when the body is not a JSON object) with every issue found, each with its FHIRPath.
    /// </summary>
    public static (Resource? Resource, IReadOnlyList<CodedException> Issues) Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (null, []);
        reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        Deserializer.TryDeserializeResource(ref reader, out var resource, out var issues);
        return (resource, issues.ToList());
    }

    public static string UrnUuid(Guid id) => $"urn:uuid:{id}";

    /// <summary>
    /// A stable UUID for a resource that has no row of its own (the encounter, a finding), derived from the
    /// case's (or child's) id and a name, so exporting the same case twice gives the same bundle: the seed id XORed
    /// with a mask hashed from the name. XOR undoes itself, so <see cref="SeedOf"/> gives the registry id back and a
    /// REST read of <c>Encounter/{id}</c> finds its case by primary key. The mask leaves the version and variant
    /// bytes alone, so a derived id is as valid a UUID as its seed.
    /// </summary>
    public static Guid DerivedId(Guid seed, string name)
    {
        var mask = SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16).ToArray();
        mask[7] = 0;
        mask[8] = 0;
        var bytes = seed.ToByteArray();
        for (var i = 0; i < bytes.Length; i++) bytes[i] ^= mask[i];
        return new Guid(bytes);
    }

    /// <summary>The registry id a <see cref="DerivedId"/> was derived from with this name.</summary>
    public static Guid SeedOf(Guid derived, string name) => DerivedId(derived, name);
}
