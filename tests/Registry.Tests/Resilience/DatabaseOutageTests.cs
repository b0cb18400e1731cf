using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit.Abstractions;

namespace Registry.Tests.Resilience;

/// <summary>
/// Hospital systems keep posting whole cases while PostgreSQL crashes twice (pg_ctl stop -m immediate) and comes
/// back. Writers behave as the contract asks a hospital interface to: one Idempotency-Key per case, retry on
/// network errors, 503 and 409-in-flight with a bounded backoff, and take 201 or a 409 naming the existing case
/// as the acknowledgement. Afterwards the database must hold every acknowledged case exactly once, whole, and
/// nothing else: no duplicates, no orphaned children, no patients left without their case.
/// This class runs its own PostgreSQL cluster, so crashing it disturbs no other test.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Writers = 8;
    private const string SourcePrefix = "outage-";
    private static readonly TimeSpan OutageLength = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan CaseDeadline = TimeSpan.FromSeconds(25);

    private PostgresCluster _cluster = null!;
    private OutageApp _app = null!;

    public async Task InitializeAsync()
    {
        // Durable commits: with synchronous_commit off, PostgreSQL itself forgets the last acknowledged commits
        // on a crash, and this test would blame the API for it.
        _cluster = PostgresCluster.Start(durableCommits: true);
        await using (var admin = new NpgsqlConnection(_cluster.AdminConnectionString))
            await admin.ExecuteAsync("CREATE DATABASE registry");
        // The API migrates the empty database and loads the two seed cases as it starts, as in production.
        _app = new OutageApp(_cluster.ConnectionStringFor("registry"));
        _app.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Every_acknowledged_case_is_stored_exactly_once_and_whole_across_two_database_crashes()
    {
        var total = Stopwatch.StartNew();
        var client = _app.CreateClient().WithKey(DevelopmentKeys.Admin);
        client.Timeout = TimeSpan.FromSeconds(20);
        var hospitals = (await QueryAsync<Guid>("SELECT id FROM hospitals ORDER BY id")).ToArray();
        Assert.Equal(2, hospitals.Length);

        var figures = new Figures();
        using var stopWriting = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers)
            .Select(writer => Task.Run(() => WriteUntilStoppedAsync(client, writer, hospitals, figures, stopWriting.Token)))
            .ToArray();

        var outages = new List<Outage>();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            for (var n = 1; n <= 2; n++)
            {
                outages.Add(await CrashAndRestartAsync(client, n, figures));
                await Task.Delay(TimeSpan.FromSeconds(1)); // load on the recovered database
            }
        }
        finally
        {
            await stopWriting.CancelAsync();
            await Task.WhenAll(writers);
            total.Stop();
            Report(figures, outages, total.Elapsed);
        }

        Assert.True(figures.Failures.IsEmpty, "Writers saw answers outside the contract:\n" + string.Join("\n", figures.Failures.Take(10)));
        Assert.True(figures.Acknowledged.Count >= Writers * 2, $"Only {figures.Acknowledged.Count} cases were acknowledged.");
        await AssertStoredExactlyOnceAndWholeAsync(figures.Acknowledged);
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(45), $"The outage test took {total.Elapsed.TotalSeconds:F1} s.");
    }

    private async Task WriteUntilStoppedAsync(HttpClient client, int writer, Guid[] hospitals, Figures figures, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var sourceCaseId = $"{SourcePrefix}{writer}-{n}";
            var document = CaseDocuments.Document(hospitals[n % hospitals.Length], pseudonym: $"OUT-{writer}-{n}", sourceCaseId: sourceCaseId);
            // Serialized once: every retry sends the same bytes under the same key, as a real client would.
            var json = JsonSerializer.Serialize(document, RegistryApp.Json);
            var key = Guid.NewGuid().ToString();
            Interlocked.Increment(ref figures.Cases);
            if (await PostUntilAcknowledgedAsync(client, json, key, sourceCaseId, figures) is { } id)
                Assert.True(figures.Acknowledged.TryAdd(sourceCaseId, id), $"{sourceCaseId} was acknowledged twice.");
        }
    }

    /// <summary>Posts one case until the API acknowledges it (201, or 409 naming the existing case); null past the deadline.</summary>
    private static async Task<Guid?> PostUntilAcknowledgedAsync(HttpClient client, string json, string key, string sourceCaseId, Figures figures)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            Interlocked.Increment(ref figures.Requests);
            if (attempt > 1) Interlocked.Increment(ref figures.Retries);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Created:
                        Interlocked.Increment(ref figures.Created);
                        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
                    case HttpStatusCode.Conflict when ExistingCaseId(body) is { } existing:
                        // Stored by an earlier attempt whose answer was lost: the sourceCaseId proves it exists once.
                        Interlocked.Increment(ref figures.Duplicates);
                        return existing;
                    case HttpStatusCode.Conflict:
                        // The same key still in flight, or a retried insert racing its own first commit.
                        Interlocked.Increment(ref figures.Conflicts);
                        break;
                    case HttpStatusCode.ServiceUnavailable:
                        Interlocked.Increment(ref figures.Unavailable);
                        if (!response.Headers.Contains("Retry-After"))
                            figures.Failures.Enqueue($"{sourceCaseId}: 503 without Retry-After: {body}");
                        break;
                    default:
                        // Recorded as a failure; retrying keeps the exactly-once checks meaningful.
                        figures.Failures.Enqueue($"{sourceCaseId}: {(int)response.StatusCode} {body}");
                        break;
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref figures.NetworkErrors);
            }
            catch (TaskCanceledException)
            {
                Interlocked.Increment(ref figures.NetworkErrors);
            }

            if (deadline.Elapsed > CaseDeadline)
            {
                figures.Failures.Enqueue($"{sourceCaseId}: not acknowledged within {CaseDeadline.TotalSeconds} s ({attempt} attempts)");
                return null;
            }
            var backoff = Math.Min(1000, 50 * (1 << Math.Min(attempt, 5))) + Random.Shared.Next(50);
            await Task.Delay(backoff);
        }
    }

    private static Guid? ExistingCaseId(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("existingCaseId", out var id) ? id.GetGuid() : null;
        }
        catch (JsonException) { return null; }
    }

    [Fact]
    public async Task Readiness_answers_503_within_its_own_3_second_bound_while_the_database_hangs()
    {
        var client = _app.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode); // a pooled connection now exists

        _cluster.Freeze();
        try
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync("/health/ready");
            output.WriteLine($"/health/ready answered {(int)response.StatusCode} {clock.Elapsed.TotalSeconds:F2} s into the hang");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("did not answer", await response.Content.ReadAsStringAsync());
            // Not a timing target (the machine is shared): only that the answer is the check's own, long before
            // the client would give up, and not a cancelled query's slower unwinding.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"/health/ready took {clock.Elapsed.TotalSeconds:F1} s.");
        }
        finally
        {
            _cluster.Thaw();
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    private async Task<Outage> CrashAndRestartAsync(HttpClient client, int number, Figures figures)
    {
        var down = Stopwatch.StartNew();
        await Task.Run(() => _cluster.Stop(immediate: true));
        var notReadyAfter = await WaitForReadinessAsync(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5), down);

        var rest = OutageLength - down.Elapsed;
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        await Task.Run(_cluster.StartAgain);
        var downFor = down.Elapsed;

        var back = Stopwatch.StartNew();
        var acknowledgedAtRestart = figures.Acknowledged.Count;
        var readyAfter = await WaitForReadinessAsync(client, HttpStatusCode.OK, TimeSpan.FromSeconds(15), back);
        // Writers in the middle of EF Core's retry delays or their own backoff come back on their own; wait
        // (bounded) until every writer could have had a case acknowledged again.
        while (figures.Acknowledged.Count < acknowledgedAtRestart + Writers)
        {
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(20),
                $"Writes did not resume within 20 s of restart {number} ({figures.Acknowledged.Count - acknowledgedAtRestart} acknowledged).");
            await Task.Delay(50);
        }
        return new Outage(number, downFor, notReadyAfter, readyAfter, back.Elapsed);
    }

    /// <summary>Polls /health/ready until it answers <paramref name="expected"/>; returns the clock's reading then.</summary>
    private async Task<TimeSpan> WaitForReadinessAsync(HttpClient client, HttpStatusCode expected, TimeSpan within, Stopwatch clock)
    {
        var last = "";
        while (clock.Elapsed < within)
        {
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == expected) return clock.Elapsed;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException ex) { last = ex.Message; }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException(
            $"/health/ready did not answer {(int)expected} within {within.TotalSeconds} s (last: {last}).\n{_cluster.ReadLog()[^Math.Min(2000, _cluster.ReadLog().Length)..]}");
    }

    private async Task AssertStoredExactlyOnceAndWholeAsync(ConcurrentDictionary<string, Guid> acknowledged)
    {
        var stored = (await QueryAsync<(string SourceCaseId, Guid Id)>(
            "SELECT source_case_id, id FROM cases WHERE source_case_id LIKE @prefix", new { prefix = SourcePrefix + "%" })).ToList();

        var duplicated = stored.GroupBy(c => c.SourceCaseId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicated.Count == 0, $"Stored more than once: {string.Join(", ", duplicated.Take(10))}");
        var missing = acknowledged.Where(a => !stored.Contains((a.Key, a.Value))).Select(a => a.Key).ToList();
        Assert.True(missing.Count == 0, $"Acknowledged but not stored under the acknowledged id: {string.Join(", ", missing.Take(10))}");
        var unacknowledged = stored.Where(s => !acknowledged.ContainsKey(s.SourceCaseId)).Select(s => s.SourceCaseId).ToList();
        Assert.True(unacknowledged.Count == 0, $"Stored but never acknowledged: {string.Join(", ", unacknowledged.Take(10))}");
        Assert.Equal(acknowledged.Count + 2, await QuerySingleAsync<int>("SELECT count(*)::int FROM cases"));

        // Whole documents: every writer case has all its children (2 diagnostics, 2 medications, 3 outcomes).
        var children = await QuerySingleAsync<(int Diagnostics, int Medications, int Outcomes)>("""
            SELECT (SELECT count(*) FROM diagnostics d JOIN cases c ON c.id = d.case_id WHERE c.source_case_id LIKE @prefix)::int,
                   (SELECT count(*) FROM medications m JOIN cases c ON c.id = m.case_id WHERE c.source_case_id LIKE @prefix)::int,
                   (SELECT count(*) FROM outcomes o JOIN cases c ON c.id = o.case_id WHERE c.source_case_id LIKE @prefix)::int
            """, new { prefix = SourcePrefix + "%" });
        Assert.Equal((acknowledged.Count * 2, acknowledged.Count * 2, acknowledged.Count * 3), children);

        var orphans = await QuerySingleAsync<int>("""
            SELECT ((SELECT count(*) FROM diagnostics x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id))
                  + (SELECT count(*) FROM medications x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id))
                  + (SELECT count(*) FROM outcomes x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id)))::int
            """);
        Assert.Equal(0, orphans);
        var patientsWithoutCase = await QuerySingleAsync<int>("""
            SELECT count(*)::int FROM patients p
            WHERE p.pseudonym LIKE 'OUT-%' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.patient_id = p.id)
            """);
        Assert.Equal(0, patientsWithoutCase);
    }

    private void Report(Figures figures, List<Outage> outages, TimeSpan total)
    {
        output.WriteLine($"writers {Writers}; cases attempted {figures.Cases}; POSTs sent {figures.Requests}; retries {figures.Retries}");
        output.WriteLine($"acknowledged {figures.Acknowledged.Count} (201: {figures.Created}, 409 existing case: {figures.Duplicates})");
        output.WriteLine($"503s {figures.Unavailable}; 409s without existingCaseId {figures.Conflicts}; network errors/timeouts {figures.NetworkErrors}; " +
            $"answers outside the contract {figures.Failures.Count}");
        foreach (var o in outages)
            output.WriteLine($"outage {o.Number}: database down {o.Down.TotalSeconds:F2} s; /health/ready 503 after {o.NotReadyAfter.TotalSeconds:F2} s; " +
                $"200 again {o.ReadyAfter.TotalSeconds:F2} s after restart; {Writers} more cases acknowledged {o.WritingAfter.TotalSeconds:F2} s after restart");
        output.WriteLine($"total {total.TotalSeconds:F1} s");
    }

    // Pooling off: the verifying connections must not reuse sockets the crashes broke.
    private string VerifyConnectionString => _cluster.ConnectionStringFor("registry") + ";Pooling=false";

    private async Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(VerifyConnectionString);
        return await connection.QueryAsync<T>(sql, parameters);
    }

    private async Task<T> QuerySingleAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(VerifyConnectionString);
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }

    private sealed class Figures
    {
        public int Cases, Requests, Retries, Created, Duplicates, Conflicts, Unavailable, NetworkErrors;
        public readonly ConcurrentDictionary<string, Guid> Acknowledged = new();
        public readonly ConcurrentQueue<string> Failures = new();
    }

    private sealed record Outage(int Number, TimeSpan Down, TimeSpan NotReadyAfter, TimeSpan ReadyAfter, TimeSpan WritingAfter);

    /// <summary>The API against this class's own cluster, with the development keys on (issue 4).</summary>
    private sealed class OutageApp(string connectionString) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Registry", connectionString);
            builder.UseSetting(DevelopmentKeys.Setting, "true");
            // The crashes make EF Core log every broken command and the API every 503; the figures say what matters.
            builder.ConfigureLogging(logging => logging
                .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None)
                .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None)
                .AddFilter("Registry.Api.Common.ProblemExceptionHandler", LogLevel.Warning));
        }
    }
}
