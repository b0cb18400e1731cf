using Registry.Api.Hospitals;
using static Registry.Tests.Errors.ErrorBodies;

namespace Registry.Tests.Errors;

/// <summary>
/// A route that answers only JSON refuses, with a 406, a request whose Accept header rules JSON out, before doing any
/// work: a client that asked for CSV is not handed JSON to parse as CSV. Routes with formats of their own (exports,
/// plots, FHIR) answer as before.
/// </summary>
public sealed class NotAcceptableTests(RegistryApp app) : ApiTests(app)
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private Task<HttpResponseMessage> Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return Client.SendAsync(request);
    }

    [Fact]
    public async Task A_case_list_asked_for_as_csv_is_a_406_pointing_at_the_export()
    {
        var response = await Get("/api/v1/cases?drug=gabapentin", "text/csv");

        await AssertError(response, HttpStatusCode.NotAcceptable, "/api/v1/cases");
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("text/csv", detail);
        Assert.Contains("/api/v1/cases/export?format=csv", detail);
    }

    [Fact]
    public async Task Every_get_route_answering_only_json_refuses_an_accept_without_json()
    {
        var routes = Routes(app.Services).Where(r => r.Method == "GET" && r.Pattern.StartsWith("/api/v1/") && !IsFhir(r.Pattern)
            && !r.Pattern.StartsWith("/api/v1/cases/export") && r.Pattern is not ("/api/v1/analytics/time-to-improvement" or "/api/v1/analytics/drug-comparison"))
            .ToList();
        Assert.True(routes.Count > 20, $"Only {routes.Count} routes found");

        foreach (var route in routes)
            foreach (var accept in new[] { "text/csv", "application/xml", "application/json;q=0, text/plain" })
                await AssertError(await Get(route.Path, accept), HttpStatusCode.NotAcceptable, route.Path, $"{route} [{accept}]");
    }

    [Fact]
    public async Task A_write_refused_for_its_accept_header_stores_nothing()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/hospitals")
        {
            Content = JsonContent.Create(new HospitalRequest("Refused For Its Accept", null, null)),
        };
        request.Headers.TryAddWithoutValidation("Accept", "text/csv");

        await AssertError(await Client.SendAsync(request), HttpStatusCode.NotAcceptable, "/api/v1/hospitals");
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals WHERE name = 'Refused For Its Accept'"));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/*")]
    [InlineData("*/*")]
    [InlineData("text/csv, application/json;q=0.1")]
    [InlineData("application/json, application/problem+json")]
    [InlineData(BrowserAccept)]
    public async Task An_accept_that_allows_json_gets_the_json(string accept)
    {
        var response = await Get("/api/v1/cases?limit=1", accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/cases/export?format=csv", "text/csv", "text/csv")]
    [InlineData("/api/v1/analytics/time-to-improvement?format=svg", "image/svg+xml", "image/svg+xml")]
    [InlineData("/api/v1/fhir/metadata", "application/fhir+json", "application/fhir+json")]
    [InlineData("/api/v1/fhir/Condition?_count=1", "application/fhir+json", "application/fhir+json")]
    public async Task Routes_with_formats_of_their_own_answer_as_before(string path, string accept, string answered)
    {
        var response = await Get(path, accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answered, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_validation_error_comes_before_the_406()
    {
        var response = await Get("/api/v1/cases?drug=no-such-drug", "text/csv");

        Assert.Contains("drug", await AssertError(response, HttpStatusCode.BadRequest, "/api/v1/cases"));
    }
}
