namespace Registry.Tests.Fhir;

/// <summary>
/// The CapabilityStatement declares exactly what the server answers (issue 12, point 5): its declared interactions,
/// search parameters and operations are each tried against the server and answer; what it does not declare is refused.
/// </summary>
public sealed class FhirCapabilityStatementTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Combination = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination";
    private static readonly string[] CaseTypes = ["Encounter", "Condition", "DiagnosticReport", "Observation", "Medication", "MedicationStatement"];
    private static readonly string[] Types = ["Organization", "Patient", .. CaseTypes];
    private static readonly string[] Interactions = ["read", "vread", "history-instance", "search-type"];
    private readonly HttpClient _client = app.CreateClient();

    private async Task<JsonElement> Rest() =>
        (await (await _client.GetAsync("/api/v1/fhir/metadata")).ReadFhir(HttpStatusCode.OK)).GetProperty("rest")[0];

    private static Dictionary<string, JsonElement> ByType(JsonElement rest) =>
        rest.GetProperty("resource").EnumerateArray().ToDictionary(r => r.GetProperty("type").GetString()!);

    private static List<string> Strings(JsonElement e, string list, string? property = null) =>
        e.TryGetProperty(list, out var items) ? items.EnumerateArray().Select(i => (property is null ? i : i.GetProperty(property)).GetString()!).ToList() : [];

    [Fact]
    public async Task The_statement_declares_exactly_the_interactions_search_parameters_operations_and_profiles_the_server_has()
    {
        var rest = await Rest();
        var resources = ByType(rest);

        Assert.Equal(["transaction"], Strings(rest, "interaction", "code"));
        Assert.Equal(["export"], Strings(rest, "operation", "name"));
        Assert.Equal(["http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"], Strings(rest, "operation", "definition"));
        Assert.Equal(Types.Append("StructureDefinition").Order(), resources.Keys.Order());
        var searchParams = new Dictionary<string, string[]>
        {
            ["Organization"] = ["_id", "_lastUpdated"],
            ["Patient"] = ["_id", "_lastUpdated", "identifier", "gender"],
            ["Encounter"] = ["_id", "_lastUpdated", "identifier", "subject"],
            ["Condition"] = ["_id", "_lastUpdated", "code", "subject"],
            ["DiagnosticReport"] = ["_id", "_lastUpdated", "subject"],
            ["Observation"] = ["_id", "_lastUpdated", "code", "subject"],
            ["Medication"] = ["_id", "_lastUpdated"],
            ["MedicationStatement"] = ["_id", "_lastUpdated", "code", "subject"],
        };
        foreach (var type in Types)
        {
            var resource = resources[type];
            Assert.Equal(Interactions, Strings(resource, "interaction", "code"));
            Assert.Equal(searchParams[type].Order(), Strings(resource, "searchParam", "name").Order());
            Assert.Equal(type == "MedicationStatement" ? ["MedicationStatement:medication"] : [], Strings(resource, "searchInclude"));
            Assert.Equal(type == "Patient" ? ["export"] : [], Strings(resource, "operation", "name"));
            Assert.Equal(type == "Observation" ? ["http://hl7.org/fhir/StructureDefinition/vitalsigns"] : [], Strings(resource, "supportedProfile"));
            Assert.Empty(Strings(resource, "searchRevInclude"));
        }
        Assert.Equal(["read"], Strings(resources["StructureDefinition"], "interaction", "code"));
        Assert.Empty(Strings(resources["StructureDefinition"], "searchParam", "name"));
        // The types searched within one patient say so: subject (or _id) is required.
        Assert.Equal([["subject"], ["_id"]], RequiredCombinations(resources["Observation"]));
        Assert.Equal([["subject"], ["_id"]], RequiredCombinations(resources["DiagnosticReport"]));
        Assert.Equal([["_id"]], RequiredCombinations(resources["Medication"]));
        Assert.Empty(RequiredCombinations(resources["Condition"]));
    }

    [Fact]
    public async Task Each_declared_search_parameter_finds_the_resource_it_describes()
    {
        var resources = ByType(await Rest());
        var samples = await Samples();

        foreach (var type in Types)
        {
            var declared = Strings(resources[type], "searchParam", "name");
            foreach (var name in declared)
            {
                var query = WithRequired(resources[type], name, samples, $"{name}={Uri.EscapeDataString(SampleValue(type, name, samples))}");
                var searchset = await (await _client.GetAsync($"/api/v1/fhir/{type}?{query}")).ReadFhir(HttpStatusCode.OK);

                Assert.Equal("searchset", searchset.GetProperty("type").GetString());
                Assert.Contains($"{type}/{samples[type].GetProperty("id").GetString()}", Matches(searchset));
            }
            // Without a required combination the search is refused, as declared.
            if (RequiredCombinations(resources[type]) is [[var required], ..])
                await (await _client.GetAsync($"/api/v1/fhir/{type}?_lastUpdated=ge2000-01-01")).ReadOutcome(HttpStatusCode.BadRequest, required);
        }
        var included = await (await _client.GetAsync(
            $"/api/v1/fhir/MedicationStatement?_id={samples["MedicationStatement"].GetProperty("id").GetString()}&_include=MedicationStatement:medication")).ReadFhir(HttpStatusCode.OK);
        Assert.Contains($"Medication/{samples["Medication"].GetProperty("id").GetString()}", Matches(included, "include"));
    }

    [Fact]
    public async Task Each_search_parameter_the_statement_does_not_declare_is_a_400_naming_it()
    {
        var resources = ByType(await Rest());
        var samples = await Samples();
        var everyDeclared = Types.SelectMany(t => Strings(resources[t], "searchParam", "name")).Distinct();
        string[] others = ["name", "status", "patient", "_sort", "_text", "_has", "_revinclude", "_summary", "_elements", "_include"];

        foreach (var type in Types)
        {
            var declared = Strings(resources[type], "searchParam", "name");
            foreach (var name in everyDeclared.Concat(others).Except(declared).Except(type == "MedicationStatement" ? ["_include"] : []))
            {
                var query = WithRequired(resources[type], "_id", samples, $"{name}=x");
                await (await _client.GetAsync($"/api/v1/fhir/{type}?{query}")).ReadOutcome(HttpStatusCode.BadRequest, name);
            }
        }
    }

    [Fact]
    public async Task Each_declared_interaction_and_operation_answers_and_the_undeclared_ones_are_refused_changing_nothing()
    {
        var resources = ByType(await Rest());
        var samples = await Samples();

        foreach (var type in Types)
        {
            var id = samples[type].GetProperty("id").GetString();
            var read = await (await _client.GetAsync($"/api/v1/fhir/{type}/{id}")).ReadFhir(HttpStatusCode.OK);
            var version = read.GetProperty("meta").GetProperty("versionId").GetString();
            Assert.Equal(id, (await (await _client.GetAsync($"/api/v1/fhir/{type}/{id}/_history/{version}")).ReadFhir(HttpStatusCode.OK)).GetProperty("id").GetString());
            Assert.Equal("history", (await (await _client.GetAsync($"/api/v1/fhir/{type}/{id}/_history")).ReadFhir(HttpStatusCode.OK)).GetProperty("type").GetString());
            Assert.Equal("searchset", (await (await _client.GetAsync($"/api/v1/fhir/{type}?{WithRequired(resources[type], "_id", samples, $"_id={id}")}"))
                .ReadFhir(HttpStatusCode.OK)).GetProperty("type").GetString());

            var body = $$"""{"resourceType": "{{type}}", "id": "{{id}}"}""";
            foreach (var (method, url) in new[]
                     {
                         (HttpMethod.Post, $"{type}"), (HttpMethod.Put, $"{type}/{id}"), (HttpMethod.Patch, $"{type}/{id}"),
                         (HttpMethod.Delete, $"{type}/{id}"), (HttpMethod.Get, $"{type}/_history"), (HttpMethod.Put, $"{type}?_id={id}"),
                         (HttpMethod.Delete, $"{type}?_id={id}"), (HttpMethod.Get, $"{type}/{id}/$everything"), (HttpMethod.Post, $"{type}/$validate"),
                     })
                await AssertRefusedAsync(method, url, body);
            Assert.Equal(read.GetRawText(), (await (await _client.GetAsync($"/api/v1/fhir/{type}/{id}")).ReadFhir(HttpStatusCode.OK)).GetRawText());
        }

        Assert.Equal("StructureDefinition", (await (await _client.GetAsync("/api/v1/fhir/StructureDefinition/day-offset")).ReadFhir(HttpStatusCode.OK))
            .GetProperty("resourceType").GetString());
        foreach (var (method, url) in new[]
                 {
                     (HttpMethod.Get, "StructureDefinition"), (HttpMethod.Get, "StructureDefinition/day-offset/_history"),
                     (HttpMethod.Get, "_history"), (HttpMethod.Get, "?_id=x"), (HttpMethod.Get, "Group/x/$export"), (HttpMethod.Post, "$validate"),
                 })
            await AssertRefusedAsync(method, url, """{"resourceType": "Parameters"}""");
        var batch = await _client.PostAsync("/api/v1/fhir", new StringContent("""{"resourceType": "Bundle", "type": "batch"}""", Encoding.UTF8, "application/fhir+json"));
        await batch.ReadOutcome(HttpStatusCode.BadRequest, "");

        foreach (var path in new[] { "$export", "Patient/$export" })
        {
            using var kickOff = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/fhir/{path}") { Headers = { { "Prefer", "respond-async" } } };
            using var accepted = await _client.SendAsync(kickOff);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await _client.DeleteAsync(accepted.Content.Headers.ContentLocation)).StatusCode);
        }
    }

    private async Task AssertRefusedAsync(HttpMethod method, string url, string body)
    {
        using var request = new HttpRequestMessage(method, $"/api/v1/fhir/{url}");
        if (method != HttpMethod.Get && method != HttpMethod.Delete) request.Content = new StringContent(body, Encoding.UTF8, "application/fhir+json");
        using var response = await _client.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest,
            $"{method} {url}: {(int)response.StatusCode}");
        await response.ReadOutcome(response.StatusCode, "");
    }

    /// <summary>The parameter sets a type's search needs one of (the statement's search-parameter-combination extensions).</summary>
    private static List<List<string>> RequiredCombinations(JsonElement resource) =>
        resource.TryGetProperty("extension", out var extensions)
            ? extensions.EnumerateArray().Where(e => e.GetProperty("url").GetString() == Combination)
                .Select(e => e.GetProperty("extension").EnumerateArray().Where(x => x.GetProperty("url").GetString() == "required")
                    .Select(x => x.GetProperty("valueString").GetString()!).ToList()).ToList()
            : [];

    /// <summary>The query with the parameters a declared combination needs, when the parameter alone is not one.</summary>
    private static string WithRequired(JsonElement resource, string name, Dictionary<string, JsonElement> samples, string query)
    {
        var combinations = RequiredCombinations(resource);
        if (combinations.Count == 0 || combinations.Any(c => c.Contains(name))) return query;
        var type = resource.GetProperty("type").GetString()!;
        return query + string.Concat(combinations[0].Select(r => $"&{r}={Uri.EscapeDataString(SampleValue(type, r, samples))}"));
    }

    /// <summary>One resource of each type from the Tiantan seed case, a vital-signs Observation among them.</summary>
    private async Task<Dictionary<string, JsonElement>> Samples()
    {
        var bundle = await (await _client.GetAsync($"/api/v1/cases/{FhirExportTests.Tiantan}/fhir")).ReadFhir(HttpStatusCode.OK);
        return bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource"))
            .GroupBy(r => r.GetProperty("resourceType").GetString()!)
            .ToDictionary(g => g.Key, g => g.FirstOrDefault(r => r.TryGetProperty("code", out var c) && c.TryGetProperty("coding", out _)
                && c.GetProperty("coding")[0].GetProperty("system").GetString() == "http://loinc.org", g.First()));
    }

    private static string SampleValue(string type, string name, Dictionary<string, JsonElement> samples)
    {
        var sample = samples[type];
        return name switch
        {
            "_id" => sample.GetProperty("id").GetString()!,
            "_lastUpdated" => "ge2000-01-01",
            "subject" => $"Patient/{samples["Patient"].GetProperty("id").GetString()}",
            "gender" => sample.GetProperty("gender").GetString()!,
            "identifier" => Token(sample.GetProperty("identifier")[0], "value"),
            "code" when type == "MedicationStatement" => Token(samples["Medication"].GetProperty("code").GetProperty("coding")[0], "code"),
            "code" => Token(sample.GetProperty("code").GetProperty("coding")[0], "code"),
            _ => throw new ArgumentException($"no sample value for {type}?{name}"),
        };
    }

    private static string Token(JsonElement e, string value) => $"{e.GetProperty("system").GetString()}|{e.GetProperty(value).GetString()}";

    private static List<string> Matches(JsonElement searchset, string mode = "match") =>
        searchset.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == mode)
                .Select(e => $"{e.GetProperty("resource").GetProperty("resourceType").GetString()}/{e.GetProperty("resource").GetProperty("id").GetString()}").ToList()
            : [];
}
