using Registry.Api.Security;
using Registry.Tests.Fhir;

namespace Registry.Tests.Resilience;

/// <summary>
/// A pooled connection whose server process has gone (a restart, a failover, an administrator's
/// pg_terminate_backend) is found out only when it is next used. Nothing has run on it yet then, so no request may
/// fail for it: the API opens another connection instead.
/// </summary>
public sealed class DeadPooledConnectionTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Theory]
    [InlineData("/api/v1/cases/" + FhirExportTests.Tiantan)]                       // EF and a batch
    [InlineData("/api/v1/cases?sex=female")]                                      // Dapper
    [InlineData("/api/v1/analytics/outcomes-by-drug")]                            // Dapper, planned per call
    [InlineData("/api/v1/fhir/Patient?gender=female")]                            // FHIR search
    [InlineData("/api/v1/audit?limit=5")]                                         // EF query
    public async Task A_request_after_every_idle_connection_was_killed_is_answered(string url)
    {
        var client = app.CreateClient();
        await WarmPoolAsync(client, url);

        var killed = await app.QuerySingleAsync<int>("""
            SELECT count(*)::int FROM (
              SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'registry_api' AND state = 'idle') k
            """);
        Assert.True(killed > 0, "no idle connection of the API's pool to kill");

        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_write_after_every_idle_connection_was_killed_is_stored_once()
    {
        var client = app.CreateClient();
        await WarmPoolAsync(client, "/api/v1/cases?limit=1");
        await app.QuerySingleAsync<int>("""
            SELECT count(*)::int FROM (
              SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'registry_api' AND state = 'idle') k
            """);

        var response = await client.PostAsJsonAsync("/api/v1/cases",
            CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: "after-the-kill"), RegistryApp.Json);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM cases c JOIN patients p ON p.id = c.patient_id WHERE p.pseudonym = 'after-the-kill'"));
    }

    /// <summary>Several requests at once, so the pool holds more than one idle connection to kill.</summary>
    private static async Task WarmPoolAsync(HttpClient client, string url)
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.GetAsync(url)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }
}
