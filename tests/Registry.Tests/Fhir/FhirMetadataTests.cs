using System.Net;
using Registry.Tests.Infrastructure;

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
}
