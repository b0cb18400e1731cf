using static Registry.Tests.Errors.ErrorBodies;

namespace Registry.Tests.Errors;

/// <summary>A query parameter a route does not take is a 400 naming it, as an unknown body member is.</summary>
public sealed class UnknownQueryParameterTests(RegistryApp app) : ApiTests(app)
{
    private async Task<long> StoredRows() => await app.QuerySingleAsync<long>(
        "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM hospitals) + (SELECT count(*) FROM patients) + (SELECT count(*) FROM api_keys)");

    [Fact]
    public async Task Every_api_route_refuses_an_unknown_query_parameter_naming_it_and_changes_nothing()
    {
        var before = await StoredRows();
        foreach (var route in Routes(app.Services).Where(r => r.Pattern.StartsWith("/api/v1/")))
        {
            var path = route.Path + "?updatedSince=2020-01-01";
            var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
            request.Headers.TryAddWithoutValidation("Accept", "text/csv");
            request.Headers.Add("If-Match", "*");
            if (route.Method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, route.ContentType);

            var names = await AssertError(await Client.SendAsync(request), HttpStatusCode.BadRequest, path, route.ToString());

            Assert.True(names.Contains("updatedSince"), $"{route}: the error does not name updatedSince ({string.Join(", ", names)})");
        }
        Assert.Equal(before, await StoredRows());
    }

    [Fact]
    public async Task Listing_cases_updated_since_a_date_is_refused_rather_than_answered_with_every_case()
    {
        var response = await Client.GetAsync("/api/v1/cases?updatedSince=2026-01-01T00:00:00Z");

        var errors = await response.ReadValidationProblem("updatedSince");
        Assert.Contains("minAge", errors.GetProperty("updatedSince")[0].GetString());
    }

    [Fact]
    public async Task Every_unknown_parameter_of_a_request_is_named()
    {
        var response = await Client.GetAsync("/api/v1/patients?limit=5&pageSize=5&sort=pseudonym");

        await response.ReadValidationProblem("pageSize", "sort");
    }

    [Theory]
    [InlineData("/api/v1/cases?minAge=1&maxAge=100&sex=female&limit=5")]
    [InlineData("/api/v1/cases?MinAge=1")]
    [InlineData("/api/v1/cases/export?format=ndjson&drug=gabapentin")]
    [InlineData("/api/v1/patients?limit=5")]
    [InlineData("/api/v1/analytics/outcomes-by-drug?minAge=1")]
    [InlineData("/api/v1/audit?limit=5")]
    [InlineData("/api/v1/vocabulary")]
    public async Task The_parameters_a_route_documents_are_still_taken(string path)
    {
        var response = await Client.GetAsync(path);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task An_unknown_parameter_on_a_fhir_route_is_an_operation_outcome_naming_it()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/fhir/$export-bundles?_since=2020-01-01");
        request.Headers.TryAddWithoutValidation("Accept", "application/fhir+ndjson");

        var names = await AssertError(await Client.SendAsync(request), HttpStatusCode.BadRequest, "/api/v1/fhir/$export-bundles");

        Assert.Contains("_since", names);
    }

    [Theory]
    [InlineData("/api/v1/cases?drug=gabapentin&drug=carbamazepine", "drug")]
    [InlineData("/api/v1/cases/export?sex=male&sex=female", "sex")]
    [InlineData("/api/v1/analytics/outcomes-by-drug?minAge=1&minAge=2", "minAge")]
    [InlineData("/api/v1/patients?limit=5&limit=5", "limit")]
    public async Task A_parameter_taking_one_value_given_twice_is_a_400_naming_both_values_not_a_search_for_them_joined(string path, string name)
    {
        var response = await Client.GetAsync(path);

        var message = (await response.ReadValidationProblem(name)).GetProperty(name)[0].GetString()!;
        Assert.Contains("Given 2 times", message);
        Assert.DoesNotContain(",carbamazepine", message);
    }

    [Fact]
    public async Task The_fhir_routes_still_take_a_repeated_parameter()
    {
        var response = await Client.GetAsync("/api/v1/fhir/Condition?_lastUpdated=ge2000-01-01&_lastUpdated=le2100-01-01&_count=1");

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
