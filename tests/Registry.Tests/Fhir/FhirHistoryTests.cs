using Registry.Api.Cases;

namespace Registry.Tests.Fhir;

/// <summary>FHIR vread and _history over the versions every write stores, and transaction locations that point at them.</summary>
public sealed class FhirHistoryTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private async Task<(CaseResponse Case, string Encounter, string Statement)> CreateAsync(string pseudonym)
    {
        var created = await _client.CreateCaseAsync(CaseDocuments.Document(await _client.CreateHospitalAsync($"History {pseudonym}"), pseudonym: pseudonym));
        return (created, Api.Fhir.FhirJson.DerivedId(created.Id, "encounter").ToString(), created.Medications[0].Id.ToString());
    }

    [Fact]
    public async Task Vread_and_history_show_each_version_of_a_resource_as_its_case_was()
    {
        var (created, encounter, _) = await CreateAsync("h-1");
        (await _client.PutCurrent($"/api/v1/cases/{created.Id}",
            CaseDocuments.Document(created.HospitalId, pseudonym: "h-1", age: 60))).EnsureSuccessStatusCode();

        var v1 = await (await _client.GetAsync($"/api/v1/fhir/Encounter/{encounter}/_history/1")).ReadFhir(HttpStatusCode.OK);
        var v2 = await (await _client.GetAsync($"/api/v1/fhir/Encounter/{encounter}/_history/2")).ReadFhir(HttpStatusCode.OK);
        var history = await (await _client.GetAsync($"/api/v1/fhir/Encounter/{encounter}/_history")).ReadFhir(HttpStatusCode.OK);

        Assert.Equal("1", v1.GetProperty("meta").GetProperty("versionId").GetString());
        Assert.Contains("\"valueInteger\":47", v1.GetProperty("extension").GetRawText());
        Assert.Equal("2", v2.GetProperty("meta").GetProperty("versionId").GetString());
        Assert.Contains("\"valueInteger\":60", v2.GetProperty("extension").GetRawText());
        FhirValidation.AssertValid(v1.GetRawText());
        Assert.Equal("history", history.GetProperty("type").GetString());
        Assert.Equal(["2", "1"], history.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("meta").GetProperty("versionId").GetString()));
        Assert.Equal(["PUT", "POST"], history.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("request").GetProperty("method").GetString()));
        FhirValidation.AssertValid(history.GetRawText());
        await (await _client.GetAsync($"/api/v1/fhir/Encounter/{encounter}/_history/3")).ReadOutcome(HttpStatusCode.NotFound, "");
    }

    [Fact]
    public async Task A_deleted_cases_resources_are_gone_and_their_history_ends_in_a_deletion()
    {
        var (created, encounter, statement) = await CreateAsync("h-2");
        (await _client.DeleteCurrent($"/api/v1/cases/{created.Id}")).EnsureSuccessStatusCode();

        await (await _client.GetAsync($"/api/v1/fhir/Encounter/{encounter}")).ReadOutcome(HttpStatusCode.Gone, "", "deleted");
        await (await _client.GetAsync($"/api/v1/fhir/MedicationStatement/{statement}")).ReadOutcome(HttpStatusCode.Gone, "", "deleted");
        var history = await (await _client.GetAsync($"/api/v1/fhir/MedicationStatement/{statement}/_history")).ReadFhir(HttpStatusCode.OK);
        var old = await (await _client.GetAsync($"/api/v1/fhir/MedicationStatement/{statement}/_history/1")).ReadFhir(HttpStatusCode.OK);
        var asHospitalOfNone = app.ClientWithKey(DevelopmentKeys.Analyst);

        var entries = history.GetProperty("entry").EnumerateArray().ToList();
        Assert.Equal(["DELETE", "POST"], entries.Select(e => e.GetProperty("request").GetProperty("method").GetString()));
        Assert.False(entries[0].TryGetProperty("resource", out _));
        Assert.Equal("W/\"2\"", entries[0].GetProperty("response").GetProperty("etag").GetString());
        Assert.Equal(statement, old.GetProperty("id").GetString());
        await (await _client.GetAsync($"/api/v1/fhir/MedicationStatement/{statement}/_history/2")).ReadOutcome(HttpStatusCode.Gone, "");
        await (await asHospitalOfNone.GetAsync($"/api/v1/fhir/MedicationStatement/{statement}/_history")).ReadOutcome(HttpStatusCode.NotFound, "");
        await (await asHospitalOfNone.GetAsync($"/api/v1/fhir/Encounter/{encounter}")).ReadOutcome(HttpStatusCode.Gone, "");
    }

    [Fact]
    public async Task A_transactions_response_locations_are_versioned_rest_urls_that_read_back_the_stored_resources()
    {
        var hospital = await _client.CreateHospitalAsync("History transaction");
        var source = await _client.CreateCaseAsync(CaseDocuments.Document(hospital, pseudonym: "h-3"));
        var transaction = await _client.GetStringAsync($"/api/v1/cases/{source.Id}/fhir?bundleType=transaction");
        await _client.DeleteCurrent($"/api/v1/cases/{source.Id}");
        var sent = JsonDocument.Parse(transaction).RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource").GetProperty("resourceType").GetString()).ToList();

        var response = await (await _client.PostAsync("/api/v1/fhir", new StringContent(transaction, Encoding.UTF8, "application/fhir+json")))
            .ReadFhir(HttpStatusCode.OK);

        var locations = response.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("location").GetString()!).ToList();
        Assert.Equal(sent.Count, locations.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Matches($"^{sent[i]}/[0-9a-f-]{{36}}/_history/1$", locations[i]);
            var read = await (await _client.GetAsync($"/api/v1/fhir/{locations[i]}")).ReadFhir(HttpStatusCode.OK);
            Assert.Equal(sent[i], read.GetProperty("resourceType").GetString());
        }
        Assert.Equal(locations.Count, locations.Distinct().Count());
    }
}
