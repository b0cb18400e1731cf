using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Registry.Tests.OpenApi;

/// <summary>
/// The document tells the truth: every status an operation can answer is declared, and real answers, NDJSON lines
/// and the document's own examples validate against the schemas it declares, as a standard JSON Schema validator reads them.
/// </summary>
public sealed class OpenApiTruthTests(RegistryApp app) : ApiTests(app)
{
    private const string Tiantan2019 = "96779884-1e8a-4081-b248-6f698b027e6e";
    private const string Harbin2022 = "5ab14676-b223-4910-9da2-67bb5a532cc9";
    private const string Nobody = "0195f1a0-0000-7000-8000-00000000dead";
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    [Fact]
    public async Task Every_operation_declares_each_status_its_body_parameters_keys_and_headers_can_lead_to()
    {
        var gaps = new List<string>();
        foreach (var (name, operation) in Operations((await Schemas()).Document))
        {
            var parameters = operation["parameters"]?.AsArray().Select(p => (In: (string)p!["in"]!, Name: (string)p["name"]!)).ToList() ?? [];
            var media = operation["requestBody"]?["content"]?.AsObject().Select(m => m.Key).ToList();
            var expected = new List<int>();
            if (media is not null) expected.AddRange([413, 415]);
            // Every /api/v1 route refuses a query parameter it does not take with a 400.
            if (media?.Any(m => m is "application/json" || m.EndsWith("+json")) == true || parameters.Any(p => p.In == "query")
                || name.Contains(" /api/v1/")) expected.Add(400);
            if (parameters.Any(p => p.In == "path")) expected.Add(404);
            if (operation["security"] is not null) expected.AddRange([401, 429, 503]);
            if (parameters.Any(p => p.Name == "If-Match")) expected.AddRange([412, 428]);
            if (parameters.Any(p => p.Name == "Idempotency-Key")) expected.AddRange([409, 422]);
            // A route answering only JSON refuses an Accept header without it (Errors/NotAcceptableTests).
            var answers = operation["responses"]?.AsObject().Where(r => r.Key.StartsWith('2'))
                .SelectMany(r => r.Value?["content"]?.AsObject().Select(c => c.Key) ?? []).Distinct().ToList() ?? [];
            if (name.Contains(" /api/v1/") && !name.Contains("/fhir") && answers is ["application/json"]) expected.Add(406);
            gaps.AddRange(expected.Where(status => operation["responses"]?[status.ToString()] is null).Select(status => $"{name} {status}"));
        }

        Assert.True(gaps.Count == 0, $"Undeclared statuses: {string.Join(", ", gaps)}");
    }

    [Fact]
    public async Task Real_answers_validate_against_the_schemas_the_document_declares()
    {
        var schemas = await Schemas();
        var calls = new (string Path, string Url, HttpStatusCode Status)[]
        {
            ("/api/v1/cases", "/api/v1/cases?drug=gabapentin", HttpStatusCode.OK),
            ("/api/v1/cases/{id}", $"/api/v1/cases/{Tiantan2019}", HttpStatusCode.OK),
            ("/api/v1/cases/{id}", $"/api/v1/cases/{Harbin2022}", HttpStatusCode.OK), // medications[].ending is null
            ("/api/v1/cases/{caseId}/medications", $"/api/v1/cases/{Harbin2022}/medications", HttpStatusCode.OK),
            ("/api/v1/cases/{id}", $"/api/v1/cases/{Nobody}", HttpStatusCode.NotFound),
            ("/api/v1/cases", "/api/v1/cases?limit=0", HttpStatusCode.BadRequest),
            ("/api/v1/analytics/outcomes-by-drug", "/api/v1/analytics/outcomes-by-drug", HttpStatusCode.OK),
            ("/api/v1/analytics/outcomes-by-combination", "/api/v1/analytics/outcomes-by-combination", HttpStatusCode.OK),
            ("/api/v1/analytics/summary", "/api/v1/analytics/summary", HttpStatusCode.OK),
            ("/api/v1/vocabulary", "/api/v1/vocabulary", HttpStatusCode.OK),
            ("/api/v1/patients", "/api/v1/patients", HttpStatusCode.OK),
            ("/api/v1/hospitals", "/api/v1/hospitals", HttpStatusCode.OK),
            ("/api/v1/cases/{id}/fhir", $"/api/v1/cases/{Tiantan2019}/fhir", HttpStatusCode.OK),
            ("/api/v1/cases/{id}/fhir", $"/api/v1/cases/{Harbin2022}/fhir?bundleType=transaction", HttpStatusCode.OK),
            ("/api/v1/cases/{id}/fhir", $"/api/v1/cases/{Nobody}/fhir", HttpStatusCode.NotFound),
            ("/api/v1/fhir/metadata", "/api/v1/fhir/metadata", HttpStatusCode.OK),
        };

        var failures = new List<string>();
        foreach (var (path, url, status) in calls)
        {
            var response = await Client.GetAsync(url);
            Assert.True(response.StatusCode == status, $"GET {url} answered {(int)response.StatusCode}, not {(int)status}");
            var schema = schemas.ResponseSchema("get", path, (int)status, response.Content.Headers.ContentType!.MediaType!);
            failures.AddRange(schemas.Errors(schema, JsonNode.Parse(await response.Content.ReadAsStringAsync())).Select(e => $"GET {url}: {e}"));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Every_line_of_a_bulk_answer_including_the_closing_summary_validates_against_the_declared_line_schema()
    {
        var schemas = await Schemas();
        var document = new JsonObject
        {
            ["hospitalId"] = "7428361b-bc8b-44d5-a0a5-f5edc53db9a8", ["sourceCaseId"] = "openapi-bulk-line-1",
            ["patient"] = new JsonObject { ["pseudonym"] = "openapi-bulk-patient", ["sex"] = "female", ["birthYear"] = 1969 },
            ["ageAtPresentation"] = 55, ["presentationDate"] = "2024-03-18", ["affectedSide"] = "right",
            ["history"] = new JsonObject { ["priorFacialPalsy"] = false },
            ["diagnosis"] = new JsonObject { ["name"] = "Hemifacial spasm", ["icd10"] = "G51.3", ["etiology"] = "neurovascular-compression" },
        };
        var body = new StringContent($"{document.ToJsonString()}\n{{\"sourceCaseId\":1}}\n", Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");

        var response = await Client.PostAsync("/api/v1/cases/bulk", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["created", "invalid", "summary"], lines.Select(l => (string?)JsonNode.Parse(l)!["status"]));
        var schema = schemas.ResponseSchema("post", "/api/v1/cases/bulk", 200, "application/x-ndjson");
        var failures = lines.SelectMany(line => schemas.Errors(schema, JsonNode.Parse(line)).Select(e => $"{line}: {e}")).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE source_case_id = 'openapi-bulk-line-1'"));
    }

    [Fact]
    public async Task Response_schemas_require_every_member_the_api_always_sends_and_requests_require_none()
    {
        var components = (await Schemas()).Document["components"]!["schemas"]!;
        string[] Required(string name) => components[name]?["required"]?.AsArray().Select(r => (string)r!).Order().ToArray() ?? [];
        string[] Members(string name) => components[name]!["properties"]!.AsObject().Select(p => p.Key).Order().ToArray();

        foreach (var response in new[] { "CaseResponse", "CaseSummary", "CasePage", "MedicationResponse", "OutcomeResponse", "DiagnosticResponse",
                                          "PatientResponse", "HospitalResponse", "OutcomesByDrugReport", "DrugOutcomes", "VocabularyResponse", "BulkSummary" })
            Assert.True(Members(response).SequenceEqual(Required(response)), $"{response} requires [{string.Join(", ", Required(response))}]");
        Assert.Equal(["line", "status"], Required("BulkLineResult")); // the rest is sent only when it applies
        foreach (var request in new[] { "CaseDocument", "InlinePatient", "MedicationRequest", "PatientRequest" })
            Assert.Empty(Required(request));
    }

    [Fact]
    public async Task Nullable_members_are_expressed_so_that_standard_validators_accept_real_nulls()
    {
        var schemas = await Schemas();
        var medication = schemas.Document["components"]!["schemas"]!["MedicationResponse"]!["properties"]!;

        Assert.StartsWith("3.1", (string?)schemas.Document["openapi"]);
        Assert.DoesNotContain("\"nullable\"", schemas.Document.ToJsonString());
        Assert.Empty(schemas.Errors(medication["ending"]!, null));
        Assert.Empty(schemas.Errors(medication["ending"]!, JsonValue.Create("tapered")));
        Assert.NotEmpty(schemas.Errors(medication["ending"]!, JsonValue.Create("evaporated")));
        Assert.NotEmpty(schemas.Errors(medication["route"]!, null)); // a stored medication always has a route
    }

    [Fact]
    public async Task Every_example_matches_its_media_type_and_validates_against_its_schema()
    {
        var schemas = await Schemas();
        var failures = new List<string>();
        foreach (var (name, operation) in Operations(schemas.Document))
        {
            var bodies = new[] { ("request", operation["requestBody"]) }
                .Concat(operation["responses"]!.AsObject().Select(r => (r.Key, r.Value)));
            foreach (var (which, body) in bodies)
                foreach (var (mediaType, media) in body?["content"]?.AsObject() ?? [])
                {
                    if (media?["example"] is not { } example) continue;
                    var where = $"{name} {which} {mediaType}";
                    if (mediaType.EndsWith("ndjson") && example.GetValueKind() == JsonValueKind.String)
                    {
                        foreach (var line in ((string)example!).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                            if (!IsJsonObject(line)) failures.Add($"{where}: the line '{line[..Math.Min(60, line.Length)]}' is not a JSON object");
                    }
                    else if (mediaType.EndsWith("json") && media["schema"] is { } schema)
                        failures.AddRange(schemas.Errors(schema, example).Select(e => $"{where}: {e}"));
                    else if (mediaType == "text/csv" && example.GetValueKind() != JsonValueKind.String)
                        failures.Add($"{where}: a CSV example must be text");
                }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static bool IsJsonObject(string line)
    {
        try { return JsonNode.Parse(line) is JsonObject; }
        catch (JsonException) { return false; }
    }

    private async Task<DocumentSchemas> Schemas()
    {
        var response = await Client.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new DocumentSchemas(await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<(string Name, JsonNode Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(member => Methods.Contains(member.Key))
            .Select(member => ($"{member.Key.ToUpperInvariant()} {path.Key}", member.Value!)));
}
