using Registry.Api.Hospitals;
using Registry.Api.Outcomes;

namespace Registry.Tests.Security;

public sealed class ConcurrencyTests(RegistryApp app) : ApiTests(app)
{
    private static HttpRequestMessage Put(string url, object body, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(body, body.GetType(), options: RegistryApp.Json) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    [Fact]
    public async Task Reads_and_writes_carry_the_version_as_a_weak_etag()
    {
        var hospital = await Client.CreateHospitalAsync("ETag");
        var read = await Client.GetAsync($"/api/v1/hospitals/{hospital}");
        Assert.Equal("W/\"1\"", read.Headers.ETag?.ToString());

        var updated = await Client.SendAsync(Put($"/api/v1/hospitals/{hospital}", new HospitalRequest("ETag 2", null, null), "W/\"1\""));

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("W/\"2\"", updated.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task A_put_without_if_match_is_428_and_changes_nothing()
    {
        var hospital = await Client.CreateHospitalAsync("Unconditional");

        var response = await Client.SendAsync(Put($"/api/v1/hospitals/{hospital}", new HospitalRequest("Overwritten", null, null), null));

        await response.ReadProblem(HttpStatusCode.PreconditionRequired);
        Assert.Equal(("Unconditional", 1), await app.QuerySingleAsync<(string, int)>("SELECT name, version FROM hospitals WHERE id = @hospital", new { hospital }));
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_changes_nothing()
    {
        var document = CaseDocuments.Document(await Client.CreateHospitalAsync("Stale"), pseudonym: "STALE");
        var created = await Client.CreateCaseAsync(document);
        await (await Client.PutCurrent($"/api/v1/cases/{created.Id}", document with { AgeAtPresentation = 48 })).ReadAs<object>(HttpStatusCode.OK);

        var stale = await Client.SendAsync(Put($"/api/v1/cases/{created.Id}", document with { AgeAtPresentation = 99 }, "W/\"1\""));
        var staleDelete = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/cases/{created.Id}") { Headers = { { "If-Match", "W/\"1\"" } } });

        var problem = await stale.ReadProblem(HttpStatusCode.PreconditionFailed);
        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt32());
        await staleDelete.ReadProblem(HttpStatusCode.PreconditionFailed);
        Assert.Equal((48, 2), await app.QuerySingleAsync<(int, int)>("SELECT age_at_presentation, version FROM cases WHERE id = @id", new { id = created.Id }));
    }

    [Fact]
    public async Task Of_parallel_updates_from_the_same_version_exactly_one_wins()
    {
        var @case = await Client.CreateCaseAsync(CaseDocuments.Document(await Client.CreateHospitalAsync("Race"), pseudonym: "RACE-UPD"));
        var outcome = @case.Outcomes[0];

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Client.SendAsync(Put(
            $"/api/v1/outcomes/{outcome.Id}", new OutcomeRequest(i, AssessmentMethod.Phone, OutcomeStatus.Improved, null, null, [], $"writer {i}"), "W/\"1\""))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
        var winner = responses.Single(r => r.StatusCode == HttpStatusCode.OK);
        var stored = await app.QuerySingleAsync<(int, int)>("SELECT day, version FROM outcomes WHERE id = @id", new { id = outcome.Id });
        Assert.Equal((await winner.ReadAs<OutcomeResponse>(HttpStatusCode.OK)).Day, stored.Item1);
        Assert.Equal(2, stored.Item2);
    }
}
