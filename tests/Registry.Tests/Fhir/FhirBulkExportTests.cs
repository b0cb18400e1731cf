namespace Registry.Tests.Fhir;

/// <summary>GET /fhir/$export-bundles: one collection Bundle per line per case, in batches, with the filters of GET /cases.</summary>
public sealed class FhirBulkExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private async Task<List<JsonElement>> Export(string query = "")
    {
        var response = await _client.GetAsync($"/api/v1/fhir/$export-bundles{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/fhir+ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.Length == 0 || body.EndsWith('\n'), "every line ends with a newline");
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
    }

    private static string CaseId(JsonElement bundle) => bundle.GetProperty("identifier").GetProperty("value").GetString()!;

    [Fact]
    public async Task Export_streams_one_valid_bundle_per_case_across_batches()
    {
        var hospitalId = await app.InsertHospitalAsync("Bulk Hospital");
        var patientId = await app.InsertPatientAsync(hospitalId);
        await app.ExecuteAsync("""
            INSERT INTO cases (id, hospital_id, patient_id, age_at_presentation, presentation_date, affected_side,
                               prior_facial_palsy, diagnosis_name, diagnosis_icd10, etiology)
            SELECT gen_random_uuid(), @hospitalId, @patientId, 40 + n % 30, '2021-0' || (1 + n % 9), 'right', n % 2 = 0,
                   'Hemifacial spasm', 'G51.3', 'idiopathic'
            FROM generate_series(1, 205) AS n
            """, new { hospitalId, patientId });

        var lines = await Export($"?hospitalId={hospitalId}");

        Assert.Equal(205, lines.Count);
        Assert.Equal(205, lines.Select(CaseId).Distinct().Count());
        Assert.Equal(lines.Select(CaseId).Order(StringComparer.Ordinal), lines.Select(CaseId)); // keyset order: by case id
        Assert.All(lines, bundle => FhirAssert.ValidBundle(bundle, "collection"));
    }

    [Fact]
    public async Task Without_filters_every_case_is_exported()
    {
        var lines = await Export();

        Assert.Equal(await app.QuerySingleAsync<long>("SELECT count(*) FROM cases"), lines.Count);
        Assert.Contains(FhirExportTests.Tiantan, lines.Select(CaseId));
    }

    [Fact]
    public async Task Export_honours_the_case_filters()
    {
        Assert.Equal([FhirExportTests.Harbin], (await Export("?sex=female&drug=carbamazepine")).Select(CaseId));
        Assert.Equal([FhirExportTests.Tiantan], (await Export("?drug=gabapentin&outcome=resolved&from=2019&to=2019-12")).Select(CaseId));
        Assert.Empty(await Export("?minAge=100"));
    }

    [Fact]
    public async Task Exported_line_equals_the_single_case_bundle()
    {
        var line = Assert.Single(await Export("?drug=gabapentin&maxAge=47&minAge=47"));
        var single = await _client.GetStringAsync($"/api/v1/cases/{FhirExportTests.Tiantan}/fhir");

        Assert.Equal(JsonDocument.Parse(single).RootElement.GetRawText(), line.GetRawText());
    }

    [Fact]
    public async Task Invalid_filters_are_a_400_operation_outcome_naming_each_parameter()
    {
        var response = await _client.GetAsync("/api/v1/fhir/$export-bundles?sex=m&drug=nope");

        await response.ReadOutcome(HttpStatusCode.BadRequest, "sex");
        await response.ReadOutcome(HttpStatusCode.BadRequest, "drug");
    }
}
