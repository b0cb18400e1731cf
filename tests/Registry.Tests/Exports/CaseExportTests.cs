using Registry.Tests.Analytics;

namespace Registry.Tests.Exports;

public sealed class CaseExportTests(KnownRegistry known) : IClassFixture<KnownRegistry>
{
    private readonly HttpClient _client = known.App.CreateClient();

    [Fact]
    public async Task Csv_export_has_a_header_and_one_row_per_matching_case_with_its_drugs_and_final_outcome()
    {
        var response = await _client.GetAsync($"/api/v1/cases/export?format=csv&hospitalId={known.Hospital}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("id,hospitalId,patientId,sourceCaseId,sex,birthYear,ageAtPresentation,", lines[0]);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        string Cell(string[] row, string column) => row[Array.IndexOf(header, column)];
        Assert.Equal(["35", "52", "58", "81", "17"], rows.Select(r => Cell(r, "ageAtPresentation")));
        Assert.Equal(["gabapentin;thiamine", "gabapentin;thiamine", "gabapentin", "carbamazepine", ""], rows.Select(r => Cell(r, "drugs")));
        Assert.Equal(["resolved", "unchanged", "marked-improvement", "", "improved"], rows.Select(r => Cell(r, "finalOutcomeStatus")));
        Assert.Equal(["30", "10", "6", "", "12"], rows.Select(r => Cell(r, "finalOutcomeDay")));
        Assert.Equal(["4", "", "6", "", "12"], rows.Select(r => Cell(r, "firstImprovementDay")));
        Assert.Equal(["female", "male", "female", "male", "female"], rows.Select(r => Cell(r, "sex")));
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
    }

    [Fact]
    public async Task Ndjson_export_writes_one_json_object_per_case_and_applies_the_filters()
    {
        var response = await _client.GetAsync($"/api/v1/cases/export?format=ndjson&hospitalId={known.Hospital}&sex=female&drug=gabapentin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var cases = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([35, 58], cases.Select(c => c.GetProperty("ageAtPresentation").GetInt32()));
        Assert.Equal(["gabapentin", "thiamine"], cases[0].GetProperty("drugs").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(("resolved", 4), (cases[0].GetProperty("finalOutcomeStatus").GetString(), cases[0].GetProperty("firstImprovementDay").GetInt32()));
        Assert.Equal(known.Hospital, cases[1].GetProperty("hospitalId").GetGuid());
    }

    [Fact]
    public async Task No_matching_cases_export_only_the_header()
    {
        var body = await (await _client.GetAsync($"/api/v1/cases/export?hospitalId={Guid.NewGuid()}")).Content.ReadAsStringAsync();

        Assert.Equal(Registry.Api.Exports.CaseExport.CsvHeader + "\n", body);
    }

    [Fact]
    public async Task An_unknown_format_or_bad_filter_is_a_400_naming_each_field()
    {
        await (await _client.GetAsync("/api/v1/cases/export?format=xml&minAge=-1&drug=aspirin")).ReadValidationProblem("format", "minAge", "drug");
    }
}
