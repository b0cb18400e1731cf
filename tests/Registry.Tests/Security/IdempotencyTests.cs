using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Security;

namespace Registry.Tests.Security;

/// <summary>Through a real Kestrel server, so a body of unknown length arrives chunked (see ChunkedJson).</summary>
public sealed class IdempotencyTests(KestrelRegistryApp app) : IClassFixture<KestrelRegistryApp>
{
    private readonly HttpClient _client = app.CreateClient();

    private static HttpRequestMessage Post(CaseDocument document, string key) => new(HttpMethod.Post, "/api/v1/cases")
    {
        Content = JsonContent.Create(document, options: RegistryApp.Json),
        Headers = { { "Idempotency-Key", key } },
    };

    /// <summary>The same POST with the body sent chunked (no Content-Length) or with a Content-Length.</summary>
    private static HttpRequestMessage PostBytes(byte[] body, string key, bool chunked) => new(HttpMethod.Post, "/api/v1/cases")
    {
        Content = chunked ? new ChunkedJson(body) : new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
        Headers = { { "Idempotency-Key", key } },
    };

    /// <summary>The document's JSON, padded with insignificant whitespace to <paramref name="padTo"/> bytes or more.</summary>
    private static byte[] Json(CaseDocument document, int padTo = 0)
    {
        var json = JsonSerializer.Serialize(document, RegistryApp.Json);
        return Encoding.UTF8.GetBytes(json[..^1] + new string(' ', Math.Max(0, padTo - json.Length)) + "}");
    }

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

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task A_retry_with_the_same_body_replays_whatever_the_framing_of_either(bool firstChunked, bool retryChunked)
    {
        var tag = $"framing-{firstChunked}-{retryChunked}";
        // Past the 30 KB the buffer keeps in memory, so the hash also reads the part buffered on disk.
        var body = Json(NewCase(tag), padTo: 100_000);

        var first = await _client.SendAsync(PostBytes(body, $"key-{tag}", firstChunked));
        var retry = await _client.SendAsync(PostBytes(body, $"key-{tag}", retryChunked));

        var original = await first.ReadAs<CaseResponse>(HttpStatusCode.Created);
        var replayed = await retry.ReadAs<CaseResponse>(HttpStatusCode.Created);
        Assert.Equal(original.Id, replayed.Id);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(1, await CasesOf(tag));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_same_key_with_a_different_chunked_body_is_a_422_and_creates_nothing(bool firstChunked)
    {
        var tag = $"chunked-mismatch-{firstChunked}";
        var key = $"key-{tag}";
        await (await _client.SendAsync(PostBytes(Json(NewCase(tag)), key, firstChunked))).ReadAs<CaseResponse>(HttpStatusCode.Created);

        var other = await _client.SendAsync(PostBytes(Json(NewCase(tag) with { AgeAtPresentation = 60 }, padTo: 50_000), key, chunked: true));

        var problem = await other.ReadProblem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Idempotency-Key reused with a different request.", problem.GetProperty("title").GetString());
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await CasesOf(tag));
        Assert.Equal(47, await app.QuerySingleAsync<int>(
            "SELECT c.age_at_presentation FROM cases c JOIN patients p ON p.id = c.patient_id WHERE p.pseudonym = @pseudonym",
            new { pseudonym = $"IDEM-{tag}" }));
    }

    [Fact]
    public async Task A_replayed_201_carries_every_header_of_the_original()
    {
        var body = Json(NewCase("headers"));

        var first = await _client.SendAsync(PostBytes(body, "key-headers", chunked: true));
        var retry = await _client.SendAsync(PostBytes(body, "key-headers", chunked: true));

        await first.ReadAs<CaseResponse>(HttpStatusCode.Created);
        await retry.ReadAs<CaseResponse>(HttpStatusCode.Created);
        Assert.Equal(Assert.Single(first.Headers.GetValues("ETag")), Assert.Single(retry.Headers.GetValues("ETag")));
        // What differs by nature: the time, the id of each request, and the replay marker itself.
        var perResponse = new HashSet<string>(["Date", "X-Request-Id", "Idempotent-Replayed"], StringComparer.OrdinalIgnoreCase);
        SortedDictionary<string, string> Headers(HttpResponseMessage r) => new(r.Headers.Concat(r.Content.Headers)
            .Where(h => !perResponse.Contains(h.Key)).ToDictionary(h => h.Key, h => string.Join(",", h.Value)));
        Assert.Equal(Headers(first), Headers(retry));
    }

    [Fact]
    public async Task A_chunked_body_over_1_MiB_with_a_key_is_a_413_and_stores_nothing()
    {
        var body = Json(NewCase("too-large"), padTo: 1024 * 1024 + 1);

        var response = await _client.SendAsync(PostBytes(body, "key-too-large", chunked: true));

        await response.ReadProblem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await CasesOf("too-large"));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM idempotent_requests WHERE idempotency_key = 'key-too-large'"));
    }

    /// <summary>A JSON body of unknown length, which HttpClient sends with Transfer-Encoding: chunked and no Content-Length.</summary>
    private sealed class ChunkedJson : HttpContent
    {
        private readonly byte[] _body;

        public ChunkedJson(byte[] body)
        {
            _body = body;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            // In pieces, as a chunked upload arrives.
            for (var at = 0; at < _body.Length; at += 16 * 1024)
                await stream.WriteAsync(_body.AsMemory(at, Math.Min(16 * 1024, _body.Length - at)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
