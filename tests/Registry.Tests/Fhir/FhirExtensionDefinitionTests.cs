namespace Registry.Tests.Fhir;

/// <summary>GET /fhir/StructureDefinition/{id}: the registry's extensions, published and listed in the CapabilityStatement.</summary>
public sealed class FhirExtensionDefinitionTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Base = "https://hfs-registry.example/fhir/StructureDefinition/";
    private readonly HttpClient _anonymous = app.ClientWithKey(null);

    /// <summary>Every registry extension URL the seed cases' bundles carry, sub-extensions aside.</summary>
    private async Task<List<string>> ExtensionUrlsInUse()
    {
        var client = app.CreateClient();
        var urls = new List<string>();
        foreach (var id in new[] { FhirExportTests.Tiantan, FhirExportTests.Harbin })
            urls.AddRange(Urls(JsonDocument.Parse(await client.GetStringAsync($"/api/v1/cases/{id}/fhir")).RootElement));
        return urls.Where(u => u.StartsWith(Base)).Distinct().Order().ToList();
    }

    private static IEnumerable<string> Urls(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => p.Name == "extension"
            ? p.Value.EnumerateArray().Select(x => x.GetProperty("url").GetString()!).Concat(Urls(p.Value)) : Urls(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Urls),
        _ => [],
    };

    private async Task<JsonElement> ExtensionsEntry()
    {
        var statement = await (await _anonymous.GetAsync("/api/v1/fhir/metadata")).ReadFhir(HttpStatusCode.OK);
        return statement.GetProperty("rest")[0].GetProperty("resource").EnumerateArray()
            .Single(r => r.GetProperty("type").GetString() == "StructureDefinition");
    }

    [Fact]
    public async Task Every_extension_the_bundles_carry_is_listed_and_readable_as_its_structure_definition()
    {
        var inUse = await ExtensionUrlsInUse();
        var listed = await ExtensionsEntry();

        Assert.True(inUse.Count >= 10, string.Join(", ", inUse));
        Assert.Equal(["read"], listed.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()));
        foreach (var url in inUse)
        {
            Assert.Contains(url, listed.GetProperty("documentation").GetString());
            var definition = await (await _anonymous.GetAsync($"/api/v1/fhir/StructureDefinition/{url[Base.Length..]}")).ReadFhir(HttpStatusCode.OK);
            Assert.Equal("StructureDefinition", definition.GetProperty("resourceType").GetString());
            Assert.Equal(url, definition.GetProperty("url").GetString());
            Assert.Equal("Extension", definition.GetProperty("type").GetString());
            Assert.Equal("http://hl7.org/fhir/StructureDefinition/Extension", definition.GetProperty("baseDefinition").GetString());
        }
    }

    [Fact]
    public async Task Published_extension_definitions_pass_the_fhir_validator()
    {
        var documentation = (await ExtensionsEntry()).GetProperty("documentation").GetString()!;
        var ids = documentation.Split('`').Where((_, i) => i % 2 == 1).ToList();

        Assert.Contains("dose-adjustment", ids);
        foreach (var id in ids)
            FhirValidation.AssertValid(await _anonymous.GetStringAsync($"/api/v1/fhir/StructureDefinition/{id}"));
    }

    [Fact]
    public async Task Dose_adjustment_is_defined_as_its_parts_day_change_and_note()
    {
        var definition = await (await _anonymous.GetAsync("/api/v1/fhir/StructureDefinition/dose-adjustment")).ReadFhir(HttpStatusCode.OK);

        var slices = definition.GetProperty("differential").GetProperty("element").EnumerateArray()
            .Where(e => e.TryGetProperty("sliceName", out _))
            .Select(e => (e.GetProperty("sliceName").GetString(), e.GetProperty("min").GetInt32())).ToList();
        Assert.Equal([("day", 1), ("change", 1), ("note", 0)], slices);
    }

    [Fact]
    public async Task Unknown_structure_definition_is_a_404_operation_outcome()
    {
        await (await _anonymous.GetAsync("/api/v1/fhir/StructureDefinition/no-such-extension")).ReadOutcome(HttpStatusCode.NotFound, "", "no-such-extension");
    }
}
