using Microsoft.AspNetCore.Hosting;
using static Registry.Tests.Errors.ErrorBodies;

namespace Registry.Tests.Errors;

/// <summary>
/// Every error is application/problem+json, or an OperationOutcome under the FHIR routes, whatever the client's
/// Accept header asks for: the error body does not take part in content negotiation.
/// </summary>
public sealed class ErrorMediaTypeTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    public static TheoryData<string> Accepts() => new(OddAccepts);

    private static HttpRequestMessage Request(string method, string path, string accept, string? json = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
        return request;
    }

    [Theory, MemberData(nameof(Accepts))]
    public async Task Every_route_answers_a_missing_key_with_a_401_body_whatever_the_client_accepts(string accept)
    {
        var anonymous = app.ClientWithKey(null);
        foreach (var route in Routes(app.Services).Where(r => !r.Anonymous))
        {
            var response = await anonymous.SendAsync(Request(route.Method, route.Path, accept, route.Method is "POST" or "PUT" ? "{}" : null, route.ContentType));
            await AssertError(response, HttpStatusCode.Unauthorized, route.Path, route.ToString());
        }
    }

    [Theory, MemberData(nameof(Accepts))]
    public async Task Every_route_answers_a_wrong_method_with_a_405_body_whatever_the_client_accepts(string accept)
    {
        var routes = Routes(app.Services);
        var client = app.CreateClient();
        foreach (var pattern in routes.GroupBy(r => r.Pattern))
        {
            var unmapped = new[] { "GET", "POST", "PUT", "DELETE", "PATCH" }.First(m => pattern.All(r => r.Method != m));
            var path = pattern.First().Path;
            var response = await client.SendAsync(Request(unmapped, path, accept, unmapped is "GET" or "DELETE" ? null : "{}"));
            await AssertError(response, HttpStatusCode.MethodNotAllowed, path, $"{unmapped} {pattern.Key}");
        }
    }

    [Theory, MemberData(nameof(Accepts))]
    public async Task A_key_whose_role_may_not_do_it_gets_a_403_body_whatever_the_client_accepts(string accept)
    {
        var refused = new[]
        {
            (Key: DevelopmentKeys.TiantanHospital, Method: "GET", Path: "/api/v1/keys"),
            (Key: DevelopmentKeys.TiantanHospital, Method: "GET", Path: "/api/v1/audit"),
            (Key: DevelopmentKeys.Analyst, Method: "POST", Path: "/api/v1/fhir"),
        };
        foreach (var (key, method, path) in refused)
        {
            var request = Request(method, path, accept, method == "POST" ? "{}" : null, "application/fhir+json");
            await AssertError(await app.ClientWithKey(key).SendAsync(request), HttpStatusCode.Forbidden, path);
        }
    }

    [Theory]
    [InlineData("/api/v1/no-such-route")]
    [InlineData("/api/v1/cases/not-a-guid")]
    [InlineData("/no-such-route")]
    [InlineData("/api/v1/fhir/no-such-route")]
    public async Task An_unknown_route_gets_a_404_body_whatever_the_client_accepts(string path)
    {
        foreach (var accept in OddAccepts)
            await AssertError(await app.CreateClient().SendAsync(Request("GET", path, accept)), HttpStatusCode.NotFound, path, accept);
    }

    [Theory]
    [InlineData("/api/v1/cases", "text/csv")]
    [InlineData("/api/v1/cases/export", "text/csv")]
    [InlineData("/api/v1/fhir/$export-bundles", "application/fhir+ndjson")]
    [InlineData("/api/v1/cases/export?format=ndjson", "application/x-ndjson")]
    public async Task An_export_asked_for_in_its_own_format_without_a_key_is_a_401_body_not_an_empty_500(string path, string accept)
    {
        var response = await app.ClientWithKey(null).SendAsync(Request("GET", path, accept));

        await AssertError(response, HttpStatusCode.Unauthorized, path);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("/api/v1/cases/export?minAge=abc", "text/csv")]
    [InlineData("/api/v1/cases?minAge=abc", "text/csv")]
    [InlineData("/api/v1/fhir/$export-bundles?minAge=abc", "application/fhir+ndjson")]
    public async Task A_malformed_filter_on_an_export_is_a_400_naming_it_in_the_routes_error_format(string path, string accept)
    {
        var response = await app.CreateClient().SendAsync(Request("GET", path, accept));

        Assert.Contains("minAge", await AssertError(response, HttpStatusCode.BadRequest, path));
    }

    [Theory]
    [InlineData("/api/v1/cases/export?minAge=500", "text/csv")]
    [InlineData("/api/v1/fhir/$export-bundles?minAge=500", "application/fhir+ndjson")]
    public async Task An_out_of_range_filter_on_an_export_is_a_400_naming_it_in_the_routes_error_format(string path, string accept)
    {
        var response = await app.CreateClient().SendAsync(Request("GET", path, accept));

        Assert.Contains("minAge", await AssertError(response, HttpStatusCode.BadRequest, path));
    }

    [Theory, MemberData(nameof(Accepts))]
    public async Task Bulk_ingest_refuses_a_json_body_with_a_415_problem_and_stores_nothing(string accept)
    {
        // The client first: the app starts with it and loads the seed cases, which must not count as stored here.
        var client = app.CreateClient();
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM cases");

        var response = await client.SendAsync(Request("POST", "/api/v1/cases/bulk", accept, "{}"));

        await AssertError(response, HttpStatusCode.UnsupportedMediaType, "/api/v1/cases/bulk");
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"));
    }

    [Theory, MemberData(nameof(Accepts))]
    public async Task Every_route_taking_a_body_answers_a_wrong_content_type_with_a_415_body(string accept)
    {
        var client = app.CreateClient();
        foreach (var route in Routes(app.Services).Where(r => r.Method is "POST" or "PUT" && !r.Pattern.EndsWith("/bulk")))
        {
            var request = Request(route.Method, route.Path, accept);
            request.Content = new StringContent("{}", Encoding.UTF8, "text/plain");
            request.Headers.Add("If-Match", "W/\"1\"");
            var response = await client.SendAsync(request);
            await AssertError(response, HttpStatusCode.UnsupportedMediaType, route.Path, route.ToString());
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_body_whatever_the_client_accepts()
    {
        var json = $$"""{"name":"{{new string('x', 1024 * 1024)}}"}""";
        foreach (var path in new[] { "/api/v1/hospitals", "/api/v1/fhir" })
            await AssertError(await app.CreateClient().SendAsync(Request("POST", path, "text/csv", json)), HttpStatusCode.RequestEntityTooLarge, path);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals WHERE name LIKE 'xxx%'"));
    }

    [Fact]
    public async Task A_key_over_its_rate_gets_a_429_body_whatever_the_client_accepts()
    {
        await using var limited = app.WithWebHostBuilder(b => b
            .UseSetting("Registry:RateLimit:PerSecond", "1").UseSetting("Registry:RateLimit:Burst", "1"));
        var client = limited.CreateClient();

        HttpResponseMessage response;
        var sent = 0;
        do response = await client.SendAsync(Request("GET", "/api/v1/vocabulary", "text/csv"));
        while (response.StatusCode != HttpStatusCode.TooManyRequests && ++sent < 50);

        await AssertError(response, HttpStatusCode.TooManyRequests, "/api/v1/vocabulary");
    }
}
