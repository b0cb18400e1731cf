using Microsoft.AspNetCore.Hosting;
using Registry.Api.Analytics;
using Registry.Api.Security;

namespace Registry.Tests.Security;

/// <summary>Exports, bulk ingest and the summary analytics keep the registry's roles, tenancy, redaction and audit.</summary>
public sealed class ScaleSecurityTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_hospital_key_exports_only_its_own_cases_and_analysts_get_no_source_ids()
    {
        var harbin = await app.ClientWithKey(DevelopmentKeys.HarbinHospital).GetStringAsync("/api/v1/cases/export?format=ndjson");
        var analyst = await app.ClientWithKey(DevelopmentKeys.Analyst).GetStringAsync("/api/v1/cases/export");
        var admin = await app.CreateClient().GetStringAsync("/api/v1/cases/export");

        var harbinRows = harbin.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(harbinRows);
        Assert.All(harbinRows, r => Assert.Equal(KeyBootstrap.HarbinHospital, r.GetProperty("hospitalId").GetGuid()));
        Assert.Contains("tiantan-2019-04-hfs-gabapentin", admin);
        Assert.DoesNotContain("hfs-gabapentin", analyst);
        Assert.DoesNotContain("hfs-carbamazepine", analyst);
    }

    [Fact]
    public async Task Every_exported_case_is_audited_as_read()
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'read'");
        var cases = await app.QuerySingleAsync<long>("SELECT count(*) FROM cases");

        var export = await app.CreateClient().GetAsync("/api/v1/cases/export");
        await export.Content.ReadAsStringAsync();

        var requestId = Assert.Single(export.Headers.GetValues("X-Request-Id"));
        Assert.Equal(before + cases, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'read'"));
        Assert.Equal(cases, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log WHERE request_id = @requestId", new { requestId }));
    }

    [Fact]
    public async Task A_bulk_line_naming_another_hospital_is_forbidden_while_the_keys_own_lines_are_stored()
    {
        var own = CaseDocuments.Document(KeyBootstrap.HarbinHospital, pseudonym: "BULK-OWN") with { HospitalId = null };
        var other = CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "BULK-OTHER");
        var body = string.Join("\n", new[] { own, other }.Select(d => JsonSerializer.Serialize(d, RegistryApp.Json))) + "\n";

        var response = await app.ClientWithKey(DevelopmentKeys.HarbinHospital)
            .PostAsync("/api/v1/cases/bulk", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));

        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["created", "forbidden", "summary"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM patients WHERE pseudonym = 'BULK-OTHER'"));
        Assert.Equal(KeyBootstrap.HarbinHospital, await app.QuerySingleAsync<Guid>(
            "SELECT c.hospital_id FROM cases c JOIN patients p ON p.id = c.patient_id WHERE p.pseudonym = 'BULK-OWN'"));
    }

    [Fact]
    public async Task Summary_and_combination_analytics_suppress_small_cells_for_analysts()
    {
        await using var withK = app.WithWebHostBuilder(b => b.UseSetting("Registry:Analytics:MinCellSize", "5"));
        var analyst = withK.CreateClient();
        analyst.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Analyst);

        var summary = await (await analyst.GetAsync($"/api/v1/analytics/summary?hospitalId={KeyBootstrap.TiantanHospital}"))
            .ReadAs<RegistrySummaryReport>(HttpStatusCode.OK);
        var combinations = await (await analyst.GetAsync($"/api/v1/analytics/outcomes-by-combination?hospitalId={KeyBootstrap.TiantanHospital}"))
            .ReadAs<OutcomesByCombinationReport>(HttpStatusCode.OK);

        Assert.Equal(5, summary.MinCellSize);
        Assert.All(summary.BySex.Concat(summary.BySide), v => Assert.True(v.Cases is null or >= 5));
        var single = Assert.Single(combinations.Combinations, c => c.Drugs.SequenceEqual(["cobalamin", "gabapentin", "thiamine"]));
        Assert.Equal(((int?)null, (double?)null, (double?)null), (single.Cases, single.ImprovedOrBetterShare, single.MedianDaysToFirstImprovement));
    }
}
