using System.Net;
using System.Text;
using System.Text.Json;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Cases;

/// <summary>Issue 4's Idempotency-Key contract for POST /api/v1/cases: a retry replays, a different body is refused.</summary>
[Trait("needs", "issue4")]
public sealed class IdempotentCreateTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient().WithKey(DevelopmentKeys.Admin);

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_replays_the_first_answer_and_stores_nothing_new()
    {
        var hospitalId = await _client.CreateHospitalAsync();
        var json = Json(CaseDocuments.Document(hospitalId, pseudonym: "IDEM-1", sourceCaseId: "IDEM-1"));
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(json, key);
        var firstBody = await first.Content.ReadAsStringAsync();
        var retry = await PostAsync(json, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(JsonDocument.Parse(firstBody).RootElement.GetProperty("id").GetGuid(),
            JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM cases WHERE hospital_id = @hospitalId", new { hospitalId }));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_422_problem_and_stores_nothing()
    {
        var hospitalId = await _client.CreateHospitalAsync();
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created,
            (await PostAsync(Json(CaseDocuments.Document(hospitalId, pseudonym: "IDEM-2", sourceCaseId: "IDEM-2")), key)).StatusCode);

        var other = await PostAsync(Json(CaseDocuments.Document(hospitalId, pseudonym: "IDEM-3", sourceCaseId: "IDEM-3")), key);

        await other.ReadProblem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM cases WHERE hospital_id = @hospitalId", new { hospitalId }));
    }

    private static string Json(object document) => JsonSerializer.Serialize(document, RegistryApp.Json);

    private Task<HttpResponseMessage> PostAsync(string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return _client.SendAsync(request);
    }
}
