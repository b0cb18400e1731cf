namespace Registry.Tests.OpenApi;

/// <summary>
/// Swagger UI is how developers meet the API, so every operation in the document must explain itself:
/// a summary and description, a description for each parameter, an example for each JSON body, and the
/// error answers it can give (400 for a body, 404 for an id in the path), with an example for every answer.
/// </summary>
public sealed class OpenApiDocumentTests(RegistryApp app) : ApiTests(app)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    [Fact]
    public async Task Swagger_ui_is_served()
    {
        var response = await Client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Document_describes_the_implemented_resources()
    {
        var paths = (await Document()).GetProperty("paths");

        foreach (var path in new[]
                 {
                     "/api/v1/hospitals", "/api/v1/hospitals/{id}", "/api/v1/patients", "/api/v1/patients/{id}",
                     "/api/v1/vocabulary", "/api/v1/vocabulary/drugs", "/api/v1/vocabulary/drugs/{code}",
                     "/health/live", "/health/ready", "/api/v1/cases", "/api/v1/cases/{id}",
                     "/api/v1/cases/{caseId}/diagnostics", "/api/v1/diagnostics/{id}", "/api/v1/cases/{caseId}/medications",
                     "/api/v1/medications/{id}", "/api/v1/cases/{caseId}/outcomes", "/api/v1/outcomes/{id}",
                     "/api/v1/analytics/outcomes-by-drug",
                 })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the document");
    }

    [Fact]
    public async Task Document_describes_the_bulk_data_export_with_its_prefer_header_and_the_headers_of_its_answers()
    {
        var paths = (await Document()).GetProperty("paths");
        JsonElement Response(string path, string method, string status) =>
            paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status);

        foreach (var path in new[] { "/api/v1/fhir/$export", "/api/v1/fhir/Patient/$export" })
            foreach (var method in new[] { "get", "post" })
            {
                var prefer = Parameters(new OperationEntry(path, method, paths.GetProperty(path), paths.GetProperty(path).GetProperty(method))).Single(p => p.GetProperty("name").GetString() == "Prefer");
                Assert.Equal("header", prefer.GetProperty("in").GetString());
                Assert.True(prefer.GetProperty("required").GetBoolean());
                Assert.Equal("respond-async", prefer.GetProperty("schema").GetProperty("enum")[0].GetString());
                Assert.True(Response(path, method, "202").GetProperty("headers").TryGetProperty("Content-Location", out _));
                Assert.True(Response(path, method, "400").GetProperty("content").TryGetProperty("application/fhir+json", out _));
            }
        var running = Response("/api/v1/fhir/$export-status/{id}", "get", "202").GetProperty("headers");
        Assert.True(running.TryGetProperty("X-Progress", out _) && running.TryGetProperty("Retry-After", out _));
        var manifest = Response("/api/v1/fhir/$export-status/{id}", "get", "200").GetProperty("content").GetProperty("application/json");
        Assert.True(manifest.GetProperty("example").GetProperty("requiresAccessToken").GetBoolean());
        Assert.True(Response("/api/v1/fhir/$export-status/{id}", "delete", "202").TryGetProperty("content", out _));
        Assert.True(Response("/api/v1/fhir/$export-file/{id}/{type}", "get", "200").GetProperty("content").TryGetProperty("application/fhir+ndjson", out _));
    }

    [Fact]
    public async Task Every_operation_has_a_summary_and_a_description()
    {
        var gaps = Operations(await Document())
            .Where(o => Blank(o.Operation, "summary") || Blank(o.Operation, "description"))
            .Select(o => o.Name).ToList();

        Assert.True(gaps.Count == 0, $"Without summary or description: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Every_parameter_has_a_description()
    {
        var gaps = Operations(await Document())
            .SelectMany(o => Parameters(o).Where(p => Blank(p, "description")).Select(p => $"{o.Name} ({p.GetProperty("name")})"))
            .ToList();

        Assert.True(gaps.Count == 0, $"Parameters without description: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Every_json_request_body_has_an_example()
    {
        var gaps = Operations(await Document())
            .Where(o => TakesJson(o.Operation))
            .Where(o => !(o.Operation.GetProperty("requestBody").TryGetProperty("content", out var content)
                          && content.TryGetProperty("application/json", out var json)
                          && json.TryGetProperty("example", out var example)
                          && example.ValueKind == JsonValueKind.Object))
            .Select(o => o.Name).ToList();

        Assert.True(gaps.Count == 0, $"Request bodies without an application/json example: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Every_response_with_a_body_has_an_example()
    {
        var gaps = Operations(await Document())
            .SelectMany(o => o.Operation.GetProperty("responses").EnumerateObject()
                .Where(r => r.Value.TryGetProperty("content", out var content)
                            && content.EnumerateObject().Any(media => !media.Value.TryGetProperty("example", out _)))
                .Select(r => $"{o.Name} {r.Name}"))
            .ToList();

        Assert.True(gaps.Count == 0, $"Responses without an example: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Examples_come_from_the_documented_cases()
    {
        var example = (await Document()).GetProperty("paths").GetProperty("/api/v1/cases/{id}").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");

        Assert.Equal("tiantan-2019-04-hfs-gabapentin", example.GetProperty("sourceCaseId").GetString());
        Assert.Contains(example.GetProperty("medications").EnumerateArray(), m => m.GetProperty("atcCode").GetString() == "N03AX12");
    }

    [Fact]
    public async Task Every_post_and_put_documents_its_request_body()
    {
        var gaps = Operations(await Document())
            .Where(o => o.Method is "post" or "put" && !o.Operation.TryGetProperty("requestBody", out _))
            .Select(o => o.Name).ToList();

        Assert.True(gaps.Count == 0, $"POST/PUT without a request body: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Every_operation_taking_a_body_declares_400()
    {
        var gaps = Operations(await Document())
            .Where(o => TakesJson(o.Operation) && !Declares(o.Operation, "400"))
            .Select(o => o.Name).ToList();

        Assert.True(gaps.Count == 0, $"Bodies without a 400 response: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Every_operation_addressing_a_resource_by_id_declares_404()
    {
        var gaps = Operations(await Document())
            .Where(o => Parameters(o).Any(p => p.GetProperty("in").GetString() == "path") && !Declares(o.Operation, "404"))
            .Select(o => o.Name).ToList();

        Assert.True(gaps.Count == 0, $"Path-parameter routes without a 404 response: {string.Join(", ", gaps)}");
    }

    /// <summary>A JSON body; NDJSON uploads (POST /cases/bulk) answer per line in a 200 stream, not with a 400.</summary>
    private static bool TakesJson(JsonElement operation) =>
        operation.TryGetProperty("requestBody", out var body)
        && (!body.TryGetProperty("content", out var content) || !content.EnumerateObject().Any()
            || content.TryGetProperty("application/json", out _));

    private async Task<JsonElement> Document()
    {
        var response = await Client.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private sealed record OperationEntry(string Path, string Method, JsonElement PathItem, JsonElement Operation)
    {
        public string Name => $"{Method.ToUpperInvariant()} {Path}";
    }

    private static List<OperationEntry> Operations(JsonElement document)
    {
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(member => Methods.Contains(member.Name))
                .Select(member => new OperationEntry(path.Name, member.Name, path.Value, member.Value)))
            .ToList();
        Assert.NotEmpty(operations);
        return operations;
    }

    /// <summary>The operation's parameters, including any declared once for the whole path.</summary>
    private static IEnumerable<JsonElement> Parameters(OperationEntry entry) =>
        new[] { entry.PathItem, entry.Operation }
            .SelectMany(e => e.TryGetProperty("parameters", out var list) ? list.EnumerateArray() : Enumerable.Empty<JsonElement>());

    private static bool Declares(JsonElement operation, string status) =>
        operation.TryGetProperty("responses", out var responses) && responses.TryGetProperty(status, out _);

    private static bool Blank(JsonElement element, string property) =>
        !element.TryGetProperty(property, out var value) || string.IsNullOrWhiteSpace(value.GetString());
}
