using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Security;
using Registry.Tests.Cases;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Security;

public sealed class IdempotencyTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private static HttpRequestMessage Post(CaseDocument document, string key) => new(HttpMethod.Post, "/api/v1/cases")
    {
        Content = JsonContent.Create(document, options: RegistryApp.Json),
        Headers = { { "Idempotency-Key", key } },
    };

    private static CaseDocument NewCase(string tag) =>
        CaseDocuments.Document(KeyBootstrap.TiantanHospital, pseudonym: $"IDEM-{tag}", sourceCaseId: null);

    private Task<int> CasesOf(string tag) => app.QuerySingleAsync<int>(
        "SELECT count(*)::int FROM cases c JOIN patients p ON p.id = c.patient_id WHERE p.pseudonym = @pseudonym", new { pseudonym = $"IDEM-{tag}" });

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_replays_the_first_response_and_creates_nothing()
    {
        var document = NewCase("replay");

        var first = await _client.SendAsync(Post(document, "key-replay"));
        var retry = await _client.SendAsync(Post(document, "key-replay"));

        var original = await first.ReadAs<CaseResponse>(HttpStatusCode.Created);
        var replayed = await retry.ReadAs<CaseResponse>(HttpStatusCode.Created);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(original.Id, replayed.Id);
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(1, await CasesOf("replay"));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_422_and_creates_nothing()
    {
        await (await _client.SendAsync(Post(NewCase("mismatch"), "key-mismatch"))).ReadAs<CaseResponse>(HttpStatusCode.Created);

        var other = await _client.SendAsync(Post(NewCase("mismatch") with { AgeAtPresentation = 60 }, "key-mismatch"));

        await other.ReadProblem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(1, await CasesOf("mismatch"));
    }

    [Fact]
    public async Task A_retry_while_the_first_is_still_running_is_a_409()
    {
        // Hold the lock the first request would hold, as if it were still running.
        var keyId = await app.QuerySingleAsync<Guid>("SELECT id FROM api_keys WHERE prefix = 'devadmin'");
        await using var first = new NpgsqlConnection(app.ConnectionString);
        await first.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@name, 0))", first))
        {
            take.Parameters.AddWithValue("name", $"{keyId}:key-inflight");
            await take.ExecuteNonQueryAsync();
        }

        var retry = await _client.SendAsync(Post(NewCase("inflight"), "key-inflight"));

        await retry.ReadProblem(HttpStatusCode.Conflict);
        Assert.Equal(0, await CasesOf("inflight"));
    }

    [Fact]
    public async Task Twenty_parallel_identical_posts_create_exactly_one_case()
    {
        var document = NewCase("parallel");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _client.SendAsync(Post(document, "key-parallel"))));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Single(responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Headers.Location).Distinct());
        Assert.Equal(1, await CasesOf("parallel"));
        // Once the first has finished, every retry gets its response.
        var late = await _client.SendAsync(Post(document, "key-parallel"));
        Assert.Equal(responses.First(r => r.StatusCode == HttpStatusCode.Created).Headers.Location, late.Headers.Location);
    }

    [Fact]
    public async Task Keys_are_per_api_key_so_two_clients_cannot_collide()
    {
        var admin = await _client.SendAsync(Post(NewCase("per-key-a"), "shared-key"));
        var tiantan = await app.ClientWithKey(DevelopmentKeys.TiantanHospital).SendAsync(Post(NewCase("per-key-b"), "shared-key"));

        await admin.ReadAs<CaseResponse>(HttpStatusCode.Created);
        await tiantan.ReadAs<CaseResponse>(HttpStatusCode.Created);
        Assert.Equal((1, 1), (await CasesOf("per-key-a"), await CasesOf("per-key-b")));
    }
}
