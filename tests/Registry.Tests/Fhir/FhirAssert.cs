using System.Text.Json.Nodes;
using Registry.Api.Cases;

namespace Registry.Tests.Fhir;

/// <summary>
/// The structural rules of FHIR R4 that matter for the registry's bundles: resourceType, each resource's
/// required elements and value sets, code systems, no nulls or empty values, and references that resolve to
/// a fullUrl inside the bundle.
/// </summary>
public static class FhirAssert
{
    public const string Snomed = "http://snomed.info/sct";
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    public const string Loinc = "http://loinc.org";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string Atc = "http://www.whocc.no/atc";

    private static readonly string[] Genders = ["male", "female", "other", "unknown"];
    private static readonly string[] EncounterStatuses = ["planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown"];
    private static readonly string[] ObservationStatuses = ["registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"];
    private static readonly string[] ReportStatuses = ["registered", "partial", "preliminary", "final", "amended", "corrected", "appended", "cancelled", "entered-in-error", "unknown"];
    private static readonly string[] StatementStatuses = ["active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"];
    /// <summary>ucum-vitals-common, the R4 value set the vital-signs profile binds its quantity codes to (required).</summary>
    private static readonly string[] VitalSignsUnits = ["%", "cm", "[in_i]", "kg", "g", "[lb_av]", "Cel", "[degF]", "mm[Hg]", "/min", "kg/m2", "m2"];
    private static readonly string[] ValueElements = ["valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger", "valueRange", "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod"];

    /// <summary>Asserts a structurally valid bundle of the given type; returns its resources by type.</summary>
    public static ILookup<string, JsonElement> ValidBundle(JsonElement bundle, string type)
    {
        Assert.Equal("Bundle", bundle.GetProperty("resourceType").GetString());
        Assert.Equal(type, bundle.GetProperty("type").GetString());
        NoEmptyValues(bundle, "Bundle");

        var entries = bundle.GetProperty("entry").EnumerateArray().ToList();
        Assert.NotEmpty(entries);
        var fullUrls = new HashSet<string>();
        foreach (var entry in entries)
        {
            var fullUrl = entry.GetProperty("fullUrl").GetString()!;
            Assert.StartsWith("urn:uuid:", fullUrl);
            Assert.True(Guid.TryParse(fullUrl["urn:uuid:".Length..], out var uuid), $"{fullUrl} is not a urn:uuid");
            Assert.True(fullUrls.Add(fullUrl), $"fullUrl {fullUrl} appears twice");
            var resource = entry.GetProperty("resource");
            Assert.True(resource.TryGetProperty("resourceType", out _));
            if (resource.TryGetProperty("id", out var id)) Assert.Equal(uuid.ToString(), id.GetString());
            if (type == "transaction")
            {
                Assert.Equal("POST", entry.GetProperty("request").GetProperty("method").GetString());
                Assert.Equal(resource.GetProperty("resourceType").GetString(), entry.GetProperty("request").GetProperty("url").GetString());
            }
            else Assert.False(entry.TryGetProperty("request", out _));
        }

        foreach (var reference in References(bundle))
            Assert.True(fullUrls.Contains(reference), $"Reference {reference} does not resolve inside the bundle");
        foreach (var coding in Codings(bundle))
        {
            Assert.True(Uri.TryCreate(coding.GetProperty("system").GetString(), UriKind.Absolute, out _), $"Coding without an absolute system: {coding}");
            Assert.False(string.IsNullOrWhiteSpace(coding.GetProperty("code").GetString()), $"Coding without a code: {coding}");
        }

        var resources = entries.Select(e => e.GetProperty("resource")).ToLookup(r => r.GetProperty("resourceType").GetString()!);
        foreach (var resource in resources.SelectMany(g => g)) ValidResource(resource);
        Assert.Single(resources["Patient"]);
        Assert.Single(resources["Organization"]);
        Assert.Single(resources["Encounter"]);
        return resources;
    }

    private static void ValidResource(JsonElement r)
    {
        var type = r.GetProperty("resourceType").GetString();
        switch (type)
        {
            case "Patient":
                Assert.Contains(r.GetProperty("gender").GetString(), Genders);
                Assert.False(r.TryGetProperty("name", out _), "A registry Patient carries no name");
                Assert.All(r.GetProperty("identifier").EnumerateArray(), i => { Assert.NotNull(i.GetProperty("system").GetString()); Assert.NotNull(i.GetProperty("value").GetString()); });
                if (r.TryGetProperty("birthDate", out var birth)) Assert.Matches(@"^\d{4}(-\d{2}(-\d{2})?)?$", birth.GetString());
                break;
            case "Organization":
                Assert.True(r.TryGetProperty("name", out _) || r.TryGetProperty("identifier", out _), "org-1: identifier or name");
                break;
            case "Encounter":
                Assert.Contains(r.GetProperty("status").GetString(), EncounterStatuses);
                Assert.Equal("http://terminology.hl7.org/CodeSystem/v3-ActCode", r.GetProperty("class").GetProperty("system").GetString());
                Assert.Contains(r.GetProperty("class").GetProperty("code").GetString(), new[] { "IMP", "AMB" });
                Reference(r, "subject");
                if (r.TryGetProperty("length", out var length)) Assert.Equal(Ucum, length.GetProperty("system").GetString());
                break;
            case "Condition":
                Reference(r, "subject");
                Assert.True(r.GetProperty("code").GetProperty("coding").GetArrayLength() > 0);
                if (r.TryGetProperty("clinicalStatus", out var clinical))
                    Assert.Equal("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical.GetProperty("coding")[0].GetProperty("system").GetString());
                Assert.Equal("http://terminology.hl7.org/CodeSystem/condition-ver-status", r.GetProperty("verificationStatus").GetProperty("coding")[0].GetProperty("system").GetString());
                Assert.True(r.EnumerateObject().Count(p => p.Name.StartsWith("onset")) <= 1, "onset[x] is 0..1");
                break;
            case "Observation":
                Assert.Contains(r.GetProperty("status").GetString(), ObservationStatuses);
                Assert.True(r.GetProperty("code").GetProperty("coding").GetArrayLength() > 0);
                Reference(r, "subject");
                Assert.True(r.EnumerateObject().Count(p => ValueElements.Contains(p.Name)) <= 1, "value[x] is 0..1");
                if (r.TryGetProperty("valueQuantity", out var quantity)) UcumQuantity(quantity);
                if (r.TryGetProperty("component", out var components))
                    foreach (var component in components.EnumerateArray())
                    {
                        Assert.True(component.GetProperty("code").GetProperty("coding").GetArrayLength() > 0);
                        if (component.TryGetProperty("valueQuantity", out var q)) UcumQuantity(q);
                    }
                if (r.TryGetProperty("meta", out var meta) && meta.GetProperty("profile").EnumerateArray().Any(p => p.GetString() == "http://hl7.org/fhir/StructureDefinition/vitalsigns"))
                {
                    Assert.Contains(r.GetProperty("category").EnumerateArray().SelectMany(c => c.GetProperty("coding").EnumerateArray()),
                        c => c.GetProperty("code").GetString() == "vital-signs" && c.GetProperty("system").GetString() == "http://terminology.hl7.org/CodeSystem/observation-category");
                    Assert.Contains(r.GetProperty("code").GetProperty("coding").EnumerateArray(), c => c.GetProperty("system").GetString() == Loinc);
                    Assert.True(r.TryGetProperty("effectiveDateTime", out var effective), "vital signs need effective[x]");
                    Assert.Matches(@"^\d{4}-\d{2}-\d{2}", effective.GetString()); // vs-1: at least to the day
                    var quantities = r.TryGetProperty("valueQuantity", out var value) ? [value]
                        : r.GetProperty("component").EnumerateArray().Select(c => c.GetProperty("valueQuantity")).ToList();
                    Assert.All(quantities, q => Assert.Contains(q.GetProperty("code").GetString(), VitalSignsUnits));
                    Assert.True(r.TryGetProperty("valueQuantity", out _) || r.TryGetProperty("component", out _), "vs-2: a value or components");
                }
                break;
            case "DiagnosticReport":
                Assert.Contains(r.GetProperty("status").GetString(), ReportStatuses);
                Assert.True(r.GetProperty("code").GetProperty("coding").GetArrayLength() > 0);
                Reference(r, "subject");
                break;
            case "MedicationStatement":
                Assert.Contains(r.GetProperty("status").GetString(), StatementStatuses);
                Assert.True(r.TryGetProperty("medicationReference", out _) ^ r.TryGetProperty("medicationCodeableConcept", out _), "medication[x] is 1..1");
                Reference(r, "subject");
                break;
            case "Medication":
                break;
            default:
                Assert.Fail($"Unexpected resource type {type}");
                break;
        }
    }

    private static void UcumQuantity(JsonElement quantity)
    {
        Assert.Equal(Ucum, quantity.GetProperty("system").GetString());
        Assert.False(string.IsNullOrEmpty(quantity.GetProperty("code").GetString()));
        Assert.Equal(JsonValueKind.Number, quantity.GetProperty("value").ValueKind);
    }

    private static void Reference(JsonElement r, string element) =>
        Assert.StartsWith("urn:uuid:", r.GetProperty(element).GetProperty("reference").GetString());

    /// <summary>FHIR JSON has no nulls, empty strings, empty arrays or empty objects.</summary>
    private static void NoEmptyValues(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Null: Assert.Fail($"null at {path}"); break;
            case JsonValueKind.String: Assert.False(e.GetString()!.Length == 0, $"empty string at {path}"); break;
            case JsonValueKind.Array:
                Assert.True(e.GetArrayLength() > 0, $"empty array at {path}");
                var i = 0;
                foreach (var item in e.EnumerateArray()) NoEmptyValues(item, $"{path}[{i++}]");
                break;
            case JsonValueKind.Object:
                Assert.True(e.EnumerateObject().Any(), $"empty object at {path}");
                foreach (var p in e.EnumerateObject()) NoEmptyValues(p.Value, $"{path}.{p.Name}");
                break;
        }
    }

    public static IEnumerable<string> References(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p =>
            p.Name == "reference" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : References(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(References),
        _ => [],
    };

    public static IEnumerable<JsonElement> Codings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p =>
            p.Name == "coding" ? p.Value.EnumerateArray().Concat(p.Value.EnumerateArray().SelectMany(Codings)) : Codings(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Codings),
        _ => [],
    };

    public static IEnumerable<string> Codes(JsonElement resource, string element, string system) =>
        resource.TryGetProperty(element, out var concept)
            ? Codings(concept).Where(c => c.GetProperty("system").GetString() == system).Select(c => c.GetProperty("code").GetString()!)
            : [];

    /// <summary>
    /// The case as the registry returns it, without what a re-import necessarily changes (ids, timestamps, versions,
    /// sourceCaseId). Children stay in their order: a re-import keeps it.
    /// </summary>
    public static string Comparable(CaseResponse c)
    {
        var node = JsonSerializer.SerializeToNode(c, RegistryApp.Json)!.AsObject();
        foreach (var key in new[] { "id", "sourceCaseId", "version", "createdAt", "updatedAt" }) node.Remove(key);
        foreach (var list in new[] { "diagnostics", "medications", "outcomes" })
        {
            var items = node[list]!.AsArray().Select(item =>
            {
                var o = item!.AsObject();
                foreach (var key in new[] { "id", "caseId", "version", "createdAt", "updatedAt" }) o.Remove(key);
                return o.ToJsonString();
            }).ToList();
            node[list] = new JsonArray(items.Select(i => JsonNode.Parse(i)).ToArray());
        }
        return node.ToJsonString();
    }

    public static async Task<JsonElement> ReadFhir(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>Asserts an OperationOutcome with an error issue whose expression is (or starts with) the given FHIRPath.</summary>
    public static async Task<JsonElement> ReadOutcome(this HttpResponseMessage response, HttpStatusCode expected, string expression, string? diagnosticsContain = null)
    {
        var outcome = await response.ReadFhir(expected);
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        var issues = outcome.GetProperty("issue").EnumerateArray().ToList();
        Assert.All(issues, i => { Assert.Equal("error", i.GetProperty("severity").GetString()); Assert.NotNull(i.GetProperty("code").GetString()); });
        Assert.True(issues.Any(i => (expression.Length == 0 || i.TryGetProperty("expression", out var e) && e.EnumerateArray().Any(x => x.GetString()!.StartsWith(expression)))
                                    && (diagnosticsContain is null || i.GetProperty("diagnostics").GetString()!.Contains(diagnosticsContain))),
            $"No issue at {expression} (diagnostics containing '{diagnosticsContain}'): {outcome}");
        return outcome;
    }
}
