namespace Registry.Tests.Fhir;

public sealed class FhirMetadataTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task Metadata_is_a_capability_statement_for_fhir_4_0_1()
    {
        var statement = await (await _client.GetAsync("/api/v1/fhir/metadata")).ReadFhir(HttpStatusCode.OK);

        Assert.Equal("CapabilityStatement", statement.GetProperty("resourceType").GetString());
        Assert.Equal("4.0.1", statement.GetProperty("fhirVersion").GetString());
        Assert.Equal("active", statement.GetProperty("status").GetString());
        Assert.Equal("instance", statement.GetProperty("kind").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", statement.GetProperty("date").GetString());
        Assert.Contains("application/fhir+json", statement.GetProperty("format").EnumerateArray().Select(f => f.GetString()));
        var rest = statement.GetProperty("rest")[0];
        Assert.Equal("server", rest.GetProperty("mode").GetString());
        Assert.Contains("transaction", rest.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()));
        Assert.Contains("export", rest.GetProperty("operation").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Contains("MedicationStatement", rest.GetProperty("resource").EnumerateArray().Select(r => r.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Swagger_shows_fhir_examples_built_from_the_tiantan_case()
    {
        var paths = JsonDocument.Parse(await _client.GetStringAsync("/swagger/v1/swagger.json")).RootElement.GetProperty("paths");
        JsonElement Example(string path, string method, string status, string media = "application/fhir+json") =>
            paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty(media).GetProperty("example");

        var bundle = Example("/api/v1/cases/{id}/fhir", "get", "200");
        Assert.Equal("Bundle", bundle.GetProperty("resourceType").GetString());
        Assert.Equal("96779884-1e8a-4081-b248-6f698b027e6e", bundle.GetProperty("identifier").GetProperty("value").GetString());
        var request = paths.GetProperty("/api/v1/fhir").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("application/fhir+json").GetProperty("example");
        Assert.Equal("transaction", request.GetProperty("type").GetString());
        Assert.Equal("OperationOutcome", Example("/api/v1/fhir", "post", "422").GetProperty("resourceType").GetString());
        Assert.Equal("OperationOutcome", Example("/api/v1/fhir", "post", "409").GetProperty("resourceType").GetString());
        Assert.Equal("CapabilityStatement", Example("/api/v1/fhir/metadata", "get", "200").GetProperty("resourceType").GetString());
        Assert.Contains("\"type\":\"collection\"", Example("/api/v1/fhir/$export-bundles", "get", "200", "application/fhir+ndjson").GetString());
    }
}
