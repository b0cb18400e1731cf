namespace Registry.Tests.OpenApi;

public sealed class CaseChildrenOpenApiTests(RegistryApp app) : ApiTests(app)
{
    private async Task<JsonElement> Paths()
    {
        var response = await Client.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("paths");
    }

    [Theory]
    [InlineData("diagnostics")]
    [InlineData("medications")]
    [InlineData("outcomes")]
    public async Task Every_child_route_is_documented_with_a_summary_and_its_problem_responses(string children)
    {
        var paths = await Paths();

        foreach (var (path, method) in new[]
                 {
                     ($"/api/v1/cases/{{caseId}}/{children}", "get"), ($"/api/v1/cases/{{caseId}}/{children}", "post"),
                     ($"/api/v1/{children}/{{id}}", "get"), ($"/api/v1/{children}/{{id}}", "put"), ($"/api/v1/{children}/{{id}}", "delete"),
                 })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
            Assert.True(operation.GetProperty("responses").TryGetProperty("404", out _), $"{method} {path} does not document 404");
            var parameter = operation.GetProperty("parameters")[0];
            Assert.False(string.IsNullOrWhiteSpace(parameter.GetProperty("description").GetString()), $"{method} {path} parameter undescribed");
            if (method is "post" or "put")
                Assert.True(operation.GetProperty("responses").TryGetProperty("400", out _), $"{method} {path} does not document 400");
        }
    }

    [Fact]
    public async Task Request_examples_come_from_the_seed_cases()
    {
        var paths = await Paths();
        string Example(string path) => paths.GetProperty(path).GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("example").GetRawText();

        Assert.Contains("\"mm[Hg]\"", Example("/api/v1/cases/{caseId}/diagnostics"));
        var medication = Example("/api/v1/cases/{caseId}/medications");
        Assert.Contains("\"gabapentin\"", medication);
        Assert.Contains("\"increased\"", medication);
        Assert.Contains("\"phone\"", Example("/api/v1/cases/{caseId}/outcomes"));
    }
}
