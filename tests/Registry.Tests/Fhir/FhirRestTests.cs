using Registry.Api.Cases;

namespace Registry.Tests.Fhir;

/// <summary>FHIR read and search under /api/v1/fhir: every resource a case exports is addressable by its id.</summary>
public sealed class FhirRestTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Tiantan = FhirExportTests.Tiantan;
    private const string Harbin = FhirExportTests.Harbin;
    private readonly HttpClient _client = app.CreateClient();

    private async Task<List<JsonElement>> Resources(string caseId, HttpClient? client = null) =>
        (await (await (client ?? _client).GetAsync($"/api/v1/cases/{caseId}/fhir")).ReadFhir(HttpStatusCode.OK))
        .GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();

    private async Task<JsonElement> Search(string query, HttpClient? client = null) =>
        await (await (client ?? _client).GetAsync($"/api/v1/fhir/{query}")).ReadFhir(HttpStatusCode.OK);

    private static List<string> Ids(JsonElement searchset, string mode = "match") =>
        searchset.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == mode)
                .Select(e => $"{e.GetProperty("resource").GetProperty("resourceType").GetString()}/{e.GetProperty("resource").GetProperty("id").GetString()}").ToList()
            : [];

    [Fact]
    public async Task Every_resource_a_case_exports_reads_back_by_type_and_id_with_its_version_and_passes_the_validator()
    {
        var caseVersion = (await _client.GetFromJsonAsync<CaseResponse>($"/api/v1/cases/{Tiantan}", RegistryApp.Json))!.Version;
        var exported = await Resources(Tiantan);
        Assert.Equal(8, exported.Select(r => r.GetProperty("resourceType").GetString()).Distinct().Count());

        foreach (var resource in exported)
        {
            var (type, id) = (resource.GetProperty("resourceType").GetString(), resource.GetProperty("id").GetString());
            var response = await _client.GetAsync($"/api/v1/fhir/{type}/{id}");
            var read = await response.ReadFhir(HttpStatusCode.OK);

            Assert.Equal(type, read.GetProperty("resourceType").GetString());
            Assert.Equal(id, read.GetProperty("id").GetString());
            var versionId = read.GetProperty("meta").GetProperty("versionId").GetString();
            Assert.Equal($"W/\"{versionId}\"", response.Headers.ETag?.ToString());
            Assert.True(read.GetProperty("meta").TryGetProperty("lastUpdated", out _));
            if (type is not ("Patient" or "Organization")) Assert.Equal(caseVersion.ToString(), versionId);
            // The same content as in the bundle, with references a REST client can follow.
            Assert.All(FhirAssert.References(read), r => Assert.Matches("^(Organization|Patient|Encounter|Condition|Observation|Medication)/[0-9a-f-]{36}$", r));
            Assert.Equal(resource.TryGetProperty("meta", out var m) ? m.GetProperty("profile").ToString() : null,
                read.GetProperty("meta").TryGetProperty("profile", out var p) ? p.ToString() : null);
            FhirValidation.AssertValid(read.GetRawText());
        }
    }

    [Fact]
    public async Task Ids_are_stable_across_exports_and_derived_from_registry_ids()
    {
        var first = (await Resources(Harbin)).Select(r => r.GetProperty("id").GetString()).ToList();
        var second = (await Resources(Harbin)).Select(r => r.GetProperty("id").GetString()).ToList();
        var medications = await app.QueryAsync<Guid>("SELECT id FROM medications WHERE case_id = @id", new { id = Guid.Parse(Harbin) });

        Assert.Equal(first, second);
        Assert.All(medications, m => Assert.Contains(m.ToString(), first)); // a MedicationStatement is its medication row
        Assert.Contains(Api.Fhir.FhirJson.DerivedId(Guid.Parse(Harbin), "encounter").ToString(), first);
        Assert.Equal(Guid.Parse(Harbin), Api.Fhir.FhirJson.SeedOf(Api.Fhir.FhirJson.DerivedId(Guid.Parse(Harbin), "encounter"), "encounter"));
    }

    [Theory]
    [InlineData("/api/v1/fhir/Practitioner/96779884-1e8a-4081-b248-6f698b027e6e", "Practitioner")]
    [InlineData("/api/v1/fhir/Patient/0195f1a0-0000-7000-8000-00000000dead", "No Patient")]
    [InlineData("/api/v1/fhir/Encounter/not-an-id", "No Encounter")]
    [InlineData("/api/v1/fhir/Observation/0195f1a0-0000-7000-8000-00000000dead/_history/1", "No Observation")]
    [InlineData("/api/v1/fhir/Practitioner", "Practitioner")]
    [InlineData("/api/v1/fhir/Patient/0195f1a0-0000-7000-8000-00000000dead/_history", "No Patient")]
    [InlineData("/api/v1/fhir/Patient/1/2/3/4/5", null)]
    public async Task Unknown_types_ids_and_routes_under_the_fhir_base_are_404_operation_outcomes(string url, string? diagnostics) =>
        await (await _client.GetAsync(url)).ReadOutcome(HttpStatusCode.NotFound, "", diagnostics);

    [Fact]
    public async Task Condition_search_by_code_pages_through_every_match_once_with_total_and_next_links()
    {
        var other = await _client.CreateHospitalAsync("Paging Hospital");
        for (var i = 0; i < 3; i++) await _client.CreateCaseAsync(CaseDocuments.Document(other, pseudonym: $"page-{i}"));
        var expected = await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE diagnosis_snomed_ct = '13753008'");

        var page = await Search("Condition?code=http://snomed.info/sct|13753008&_count=2");
        var seen = new List<string>();
        var pages = 0;
        while (true)
        {
            pages++;
            Assert.Equal("searchset", page.GetProperty("type").GetString());
            Assert.Equal(expected, page.GetProperty("total").GetInt32());
            var ids = Ids(page);
            Assert.InRange(ids.Count, 1, 2);
            seen.AddRange(ids);
            var next = page.GetProperty("link").EnumerateArray().FirstOrDefault(l => l.GetProperty("relation").GetString() == "next");
            if (next.ValueKind == JsonValueKind.Undefined) break;
            page = await (await _client.GetAsync(new Uri(next.GetProperty("url").GetString()!).PathAndQuery)).ReadFhir(HttpStatusCode.OK);
        }

        Assert.Equal(expected, seen.Count);
        Assert.Equal(expected, seen.Distinct().Count());
        Assert.Equal((expected + 1) / 2, pages);
        Assert.All(seen, s => Assert.StartsWith("Condition/", s));
    }

    [Fact]
    public async Task Searches_find_patients_encounters_conditions_statements_and_observations_by_their_parameters()
    {
        var hospital = await _client.CreateHospitalAsync("Search Hospital");
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "search-me", sex: Api.Patients.Sex.Female,
            sourceCaseId: "SRC-42", drugs: ["gabapentin"]));
        var patient = $"Patient/{created.PatientId}";
        var resources = await Resources(created.Id.ToString());
        string IdOf(string type, Func<JsonElement, bool>? where = null) =>
            $"{type}/{resources.First(r => r.GetProperty("resourceType").GetString() == type && (where?.Invoke(r) ?? true)).GetProperty("id").GetString()}";

        Assert.Equal([patient], Ids(await Search($"Patient?identifier=https://hfs-registry.example/fhir/sid/hospital/{hospital}/pseudonym|search-me")));
        Assert.Empty(Ids(await Search($"Patient?identifier=https://hfs-registry.example/fhir/sid/hospital/{Guid.NewGuid()}/pseudonym|search-me")));
        Assert.Contains(patient, Ids(await Search("Patient?gender=female&_count=200")));
        Assert.DoesNotContain(patient, Ids(await Search("Patient?gender=male&_count=200")));
        Assert.Equal([IdOf("Encounter")], Ids(await Search("Encounter?identifier=SRC-42")));
        Assert.Equal([IdOf("Encounter")], Ids(await Search($"Encounter?identifier=https://hfs-registry.example/fhir/sid/hospital/{hospital}/case|SRC-42")));

        var conditions = await Search($"Condition?subject={patient}");
        Assert.Equal(2, conditions.GetProperty("total").GetInt32());
        Assert.Equal([IdOf("Condition", r => r.GetRawText().Contains("13753008"))], Ids(await Search($"Condition?subject={patient}&code=http://hl7.org/fhir/sid/icd-10|G51.3")));

        var statements = await Search($"MedicationStatement?code=http://www.whocc.no/atc|N03AX12&subject={created.PatientId}&_include=MedicationStatement:medication");
        Assert.Equal([IdOf("MedicationStatement")], Ids(statements));
        Assert.Equal([IdOf("Medication")], Ids(statements, "include"));
        Assert.Empty(Ids(await Search($"MedicationStatement?code=http://www.whocc.no/atc|N03AF01&subject={created.PatientId}")));

        var temperature = await Search($"Observation?subject={patient}&code=http://loinc.org|8310-5");
        Assert.Equal(1, temperature.GetProperty("total").GetInt32());
        Assert.Contains("36.6", temperature.GetProperty("entry")[0].GetProperty("resource").GetProperty("valueQuantity").GetRawText());

        Assert.Equal([IdOf("Encounter")], Ids(await Search($"Encounter?_id={IdOf("Encounter")["Encounter/".Length..]}")));
        Assert.Equal([IdOf("Encounter")], Ids(await Search($"Encounter?subject={patient}&_lastUpdated=ge{created.UpdatedAt.AddSeconds(-1):yyyy-MM-ddTHH:mm:ssZ}")));
        Assert.Empty(Ids(await Search($"Encounter?subject={patient}&_lastUpdated=lt{created.UpdatedAt.AddSeconds(-1):yyyy-MM-ddTHH:mm:ssZ}")));
    }

    [Fact]
    public async Task A_value_holding_a_comma_is_found_when_the_comma_is_escaped_as_fhir_writes_it()
    {
        var hospital = await _client.CreateHospitalAsync("Comma Hospital");
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "smith, j", sourceCaseId: "ward 3, bed 12"));
        var encounter = (await Resources(created.Id.ToString())).First(r => r.GetProperty("resourceType").GetString() == "Encounter").GetProperty("id").GetString();

        Assert.Equal([$"Patient/{created.PatientId}"], Ids(await Search($"Patient?identifier={Uri.EscapeDataString(@"smith\, j")}")));
        Assert.Equal([$"Encounter/{encounter}"], Ids(await Search($"Encounter?identifier={Uri.EscapeDataString(@"ward 3\, bed 12")}")));
        await (await _client.GetAsync($"/api/v1/fhir/Patient?identifier={Uri.EscapeDataString("smith, j")}")).ReadOutcome(HttpStatusCode.BadRequest, "identifier");
    }

    [Theory]
    [InlineData("Patient?name=smith", "name")]
    [InlineData("Patient?code=13753008", "code")]
    [InlineData("Condition?gender=male", "gender")]
    [InlineData("MedicationStatement?_include=MedicationStatement:subject", "_include")]
    [InlineData("Condition?_count=0", "_count")]
    [InlineData("Condition?_cursor=nonsense", "_cursor")]
    [InlineData("Encounter?_lastUpdated=yesterday", "_lastUpdated")]
    [InlineData("Observation?code=http://loinc.org|8310-5", "subject")]
    [InlineData("Condition?code=13753008,G51.3", "code")]
    [InlineData("Condition?code=13753008&code=G51.3", "code")]
    [InlineData("Patient?gender=male,female", "gender")]
    [InlineData("Encounter?_id=0195f1a0-0000-7000-8000-000000000001,0195f1a0-0000-7000-8000-000000000002", "_id")]
    public async Task Unsupported_or_malformed_search_parameters_are_a_400_operation_outcome_naming_them(string query, string parameter) =>
        await (await _client.GetAsync($"/api/v1/fhir/{query}")).ReadOutcome(HttpStatusCode.BadRequest, parameter);

    [Fact]
    public async Task A_hospital_key_reads_and_finds_only_its_own_hospitals_resources()
    {
        var harbin = app.ClientWithKey(DevelopmentKeys.HarbinHospital);
        var tiantanEncounter = (await Resources(Tiantan)).First(r => r.GetProperty("resourceType").GetString() == "Encounter").GetProperty("id").GetString();
        var harbinEncounter = (await Resources(Harbin)).First(r => r.GetProperty("resourceType").GetString() == "Encounter").GetProperty("id").GetString();

        await (await harbin.GetAsync($"/api/v1/fhir/Encounter/{tiantanEncounter}")).ReadOutcome(HttpStatusCode.NotFound, "");
        await (await harbin.GetAsync($"/api/v1/fhir/Encounter/{harbinEncounter}")).ReadFhir(HttpStatusCode.OK);
        var found = Ids(await Search("Condition?code=http://snomed.info/sct|13753008&_count=200", harbin));
        var harbinCases = await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM cases c JOIN hospitals h ON h.id = c.hospital_id WHERE h.name LIKE '%Harbin%'");
        Assert.Equal(harbinCases, found.Count);
    }

    [Fact]
    public async Task Analysts_read_patients_and_encounters_without_identifiers_and_cannot_search_by_them()
    {
        var analyst = app.ClientWithKey(DevelopmentKeys.Analyst);
        var resources = await Resources(Tiantan);
        var patientId = resources.First(r => r.GetProperty("resourceType").GetString() == "Patient").GetProperty("id").GetString();
        var encounterId = resources.First(r => r.GetProperty("resourceType").GetString() == "Encounter").GetProperty("id").GetString();

        var patient = await (await analyst.GetAsync($"/api/v1/fhir/Patient/{patientId}")).ReadFhir(HttpStatusCode.OK);
        var encounter = await (await analyst.GetAsync($"/api/v1/fhir/Encounter/{encounterId}")).ReadFhir(HttpStatusCode.OK);

        Assert.False(patient.TryGetProperty("identifier", out _));
        Assert.False(encounter.TryGetProperty("identifier", out _));
        Assert.Empty(Ids(await Search("Patient?identifier=tiantan-2019-04-hfs-m47", analyst)));
        Assert.Equal([$"Patient/{patientId}"], Ids(await Search("Patient?identifier=tiantan-2019-04-hfs-m47")));
    }

    [Fact]
    public async Task Reading_a_cases_resource_is_audited_as_a_read_of_the_case()
    {
        var encounterId = (await Resources(Harbin)).First(r => r.GetProperty("resourceType").GetString() == "Encounter").GetProperty("id").GetString();
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'read' AND resource_id = @Harbin", new { Harbin });

        await (await _client.GetAsync($"/api/v1/fhir/Encounter/{encounterId}")).ReadFhir(HttpStatusCode.OK);

        Assert.Equal(before + 1, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'read' AND resource_id = @Harbin", new { Harbin }));
    }
}
