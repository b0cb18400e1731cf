using System.Globalization;
using Microsoft.AspNetCore.Hosting;

namespace Registry.Tests.Health;

/// <summary>
/// The Prometheus scrape endpoint: OpenTelemetry's ASP.NET Core and Npgsql instruments, in text format. A meter
/// provider counts every host's requests in the process, so these tests run alone, after the parallel classes.
/// </summary>
[Collection(nameof(MetricsTests))]
public sealed class MetricsTests(RegistryApp app) : ApiTests(app)
{
    [Fact]
    public async Task Metrics_count_the_requests_served_by_route_and_status_and_include_Npgsql_instruments()
    {
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/v1/vocabulary")).StatusCode);
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/v1/hospitals/{Guid.NewGuid()}")).StatusCode);

        var anonymous = app.ClientWithKey(null);
        var scrape = await anonymous.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var lines = (await scrape.Content.ReadAsStringAsync()).Split('\n');
        Assert.Equal(3, RequestCount(lines, "/api/v1/vocabulary/", 200));
        Assert.Equal(2, RequestCount(lines, "/api/v1/hospitals/{id:guid}", 404));
        Assert.Contains(lines, line => line.StartsWith("db_client_operation_duration_seconds_count{", StringComparison.Ordinal) && line.Contains("db_client_connection_pool_name=\"registry\""));
    }

    [Fact]
    public async Task Metrics_ask_for_an_admin_key_when_configured_to()
    {
        await using var restricted = app.WithWebHostBuilder(b => b.UseSetting("Registry:Metrics:RequireAdminKey", "true"));
        var anonymous = restricted.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;
        var analyst = restricted.CreateClient();
        analyst.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentKeys.Analyst);

        await (await anonymous.GetAsync("/metrics")).ReadProblem(HttpStatusCode.Unauthorized);
        await (await analyst.GetAsync("/metrics")).ReadProblem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await restricted.CreateClient().GetAsync("/metrics")).StatusCode);
    }

    /// <summary>The http_server_request_duration_seconds_count samples for one route and status, added up (a sample is `name{labels} value [timestamp]`).</summary>
    private static long RequestCount(IEnumerable<string> lines, string route, int status) => lines
        .Where(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains($"http_route=\"{route}\"") && line.Contains($"http_response_status_code=\"{status}\""))
        .Sum(line => long.Parse(line[(line.LastIndexOf('}') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture));
}

[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsTestsRunAlone;
