using System.Text.Json.Nodes;

namespace Registry.Tests.Fhir;

/// <summary>The FHIR routes follow the same roles, tenancy and audit as the registry's own.</summary>
public sealed class FhirSecurityTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Tiantan = "96779884-1e8a-4081-b248-6f698b027e6e";
    private const string Harbin = "5ab14676-b223-4910-9da2-67bb5a532cc9";

    [Fact]
    public async Task Analysts_get_fhir_without_the_pseudonym_or_source_case_id()
    {
        var analyst = app.ClientWithKey(DevelopmentKeys.Analyst);

        var bundle = await analyst.GetStringAsync($"/api/v1/cases/{Tiantan}/fhir");
        var export = await analyst.GetStringAsync("/api/v1/fhir/$export-bundles");
        var admin = await app.CreateClient().GetStringAsync($"/api/v1/cases/{Tiantan}/fhir");

        Assert.Contains("tiantan-2019-04-hfs-m47", admin);
        Assert.Contains("tiantan-2019-04-hfs-gabapentin", admin);
        foreach (var text in new[] { bundle, export })
        {
            Assert.DoesNotContain("tiantan-2019-04-hfs-m47", text);
            Assert.DoesNotContain("hfs-gabapentin", text);
            Assert.DoesNotContain("harbin-2022-01-hfs-f58", text);
        }
        var patient = JsonNode.Parse(bundle)!["entry"]!.AsArray().Select(e => e!["resource"]!).Single(r => (string)r["resourceType"]! == "Patient");
        Assert.Null(patient["identifier"]);
    }

    [Fact]
    public async Task A_hospital_key_sees_only_its_own_cases_as_fhir()
    {
        var harbin = app.ClientWithKey(DevelopmentKeys.HarbinHospital);

        var other = await harbin.GetAsync($"/api/v1/cases/{Tiantan}/fhir");
        var own = await harbin.GetAsync($"/api/v1/cases/{Harbin}/fhir");
        var export = (await harbin.GetStringAsync("/api/v1/fhir/$export-bundles")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Single(export);
        Assert.Contains("Second Affiliated Hospital of Harbin Medical University", export[0]);
    }

    [Fact]
    public async Task Importing_into_another_hospital_is_forbidden_and_stores_nothing_and_analysts_cannot_import()
    {
        var bundle = await app.CreateClient().GetStringAsync($"/api/v1/cases/{Tiantan}/fhir?bundleType=transaction");
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM cases");

        var asHarbin = await app.ClientWithKey(DevelopmentKeys.HarbinHospital).PostAsync("/api/v1/fhir", new StringContent(bundle, Encoding.UTF8, "application/fhir+json"));
        var asAnalyst = await app.ClientWithKey(DevelopmentKeys.Analyst).PostAsync("/api/v1/fhir", new StringContent(bundle, Encoding.UTF8, "application/fhir+json"));

        Assert.Equal(HttpStatusCode.Forbidden, asHarbin.StatusCode);
        Assert.Equal("OperationOutcome", (string)JsonNode.Parse(await asHarbin.Content.ReadAsStringAsync())!["resourceType"]!);
        Assert.Equal(HttpStatusCode.Forbidden, asAnalyst.StatusCode);
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"));
    }

    [Fact]
    public async Task Fhir_reads_are_audited_and_metadata_needs_no_key()
    {
        var before = await app.QuerySingleAsync<long>($"SELECT count(*) FROM audit_log WHERE action = 'read' AND resource_id = '{Harbin}'");

        await app.CreateClient().GetStringAsync($"/api/v1/cases/{Harbin}/fhir");
        await app.CreateClient().GetStringAsync("/api/v1/fhir/$export-bundles");
        var metadata = await app.ClientWithKey(null).GetAsync("/api/v1/fhir/metadata");

        Assert.Equal(before + 2, await app.QuerySingleAsync<long>($"SELECT count(*) FROM audit_log WHERE action = 'read' AND resource_id = '{Harbin}'"));
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        await (await app.ClientWithKey(null).GetAsync("/api/v1/fhir/$export-bundles")).ReadOutcome(HttpStatusCode.Unauthorized, "", "API key");
    }
}
