using System.Net;
using System.Text;
using System.Text.Json;
using Registry.Tests.Cases;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Bulk;

public sealed class BulkIngestTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private async Task<(HttpResponseMessage Response, List<JsonElement> Lines)> Upload(string body, string contentType = "application/x-ndjson")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);
        var response = await _client.PostAsync("/api/v1/cases/bulk", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList());
    }

    private static string Line(object document) => JsonSerializer.Serialize(document, RegistryApp.Json);

    [Fact]
    public async Task Each_line_is_validated_and_stored_on_its_own_and_answered_by_line_number()
    {
        var hospital = await _client.CreateHospitalAsync("Bulk");
        var bad = CaseDocuments.Document(hospital, "B-2", sourceCaseId: "BULK-2", drugs: ["carbamazepin"]);
        var body = string.Join('\n',
            Line(CaseDocuments.Document(hospital, "B-1", sourceCaseId: "BULK-1")),
            Line(bad),
            "",
            "{not json",
            Line(CaseDocuments.Document(hospital, "B-5", sourceCaseId: "BULK-1")),
            Line(CaseDocuments.Document(hospital, "B-6", sourceCaseId: "BULK-6"))) + "\n";

        var (response, lines) = await Upload(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([1, 2, 4, 5, 6], lines.SkipLast(1).Select(l => l.GetProperty("line").GetInt32()));
        Assert.Equal(["created", "invalid", "invalid", "duplicate", "created"], lines.SkipLast(1).Select(l => l.GetProperty("status").GetString()));
        var first = lines[0].GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/cases/{first}", lines[0].GetProperty("location").GetString());
        Assert.True(lines[1].GetProperty("errors").TryGetProperty("medications[0].drug", out _), lines[1].ToString());
        Assert.True(lines[2].GetProperty("errors").TryGetProperty("$", out _), lines[2].ToString());
        Assert.Equal(first, lines[3].GetProperty("existingCaseId").GetGuid());
        var summary = lines[^1];
        Assert.Equal(("summary", 5, 2, 3, true), (summary.GetProperty("status").GetString(), summary.GetProperty("lines").GetInt32(),
            summary.GetProperty("created").GetInt32(), summary.GetProperty("failed").GetInt32(), summary.GetProperty("complete").GetBoolean()));

        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }));
        Assert.Equal(new[] { "gabapentin", "thiamine" },
            await app.QuerySingleAsync<string[]>("SELECT drugs FROM cases WHERE id = @first", new { first }));
    }

    [Fact]
    public async Task A_last_line_without_a_newline_is_still_read()
    {
        var hospital = await _client.CreateHospitalAsync("Bulk tail");

        var (_, lines) = await Upload(Line(CaseDocuments.Document(hospital, "T-1")));

        Assert.Equal("created", lines[0].GetProperty("status").GetString());
        Assert.Equal(1, lines[^1].GetProperty("created").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_ndjson_is_a_415_problem_and_stores_nothing()
    {
        var hospital = await _client.CreateHospitalAsync("Bulk json");

        var (response, _) = await Upload(Line(CaseDocuments.Document(hospital, "J-1")), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM cases WHERE hospital_id = @hospital", new { hospital }));
    }

    [Fact]
    public async Task A_body_larger_than_the_global_one_mebibyte_limit_is_accepted()
    {
        var hospital = await _client.CreateHospitalAsync("Bulk large");
        var document = CaseDocuments.Document(hospital, "L-0") with { Notes = new string('n', 3000) };
        var lines = Enumerable.Range(0, 400).Select(i => Line(document with
        {
            Patient = document.Patient! with { Pseudonym = $"L-{i}" }, SourceCaseId = $"LARGE-{i}",
        })).ToList();
        var body = string.Join('\n', lines);
        Assert.True(Encoding.UTF8.GetByteCount(body) > 1024 * 1024);

        var (response, answer) = await Upload(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((400, 0, true), (answer[^1].GetProperty("created").GetInt32(), answer[^1].GetProperty("failed").GetInt32(),
            answer[^1].GetProperty("complete").GetBoolean()));
    }

    [Fact]
    public async Task A_line_longer_than_the_per_case_limit_is_answered_too_long_and_the_next_line_still_counts()
    {
        var hospital = await _client.CreateHospitalAsync("Bulk long line");
        var huge = "{\"notes\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";

        var (_, lines) = await Upload(huge + "\n" + Line(CaseDocuments.Document(hospital, "N-2")) + "\n");

        Assert.Equal(("too-long", 1), (lines[0].GetProperty("status").GetString(), lines[0].GetProperty("line").GetInt32()));
        Assert.Equal(("created", 2), (lines[1].GetProperty("status").GetString(), lines[1].GetProperty("line").GetInt32()));
    }
}
