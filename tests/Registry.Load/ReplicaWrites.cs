using System.Net;
using System.Net.Http.Json;

namespace Registry.Load;

/// <summary>
/// Issue 14, point 5: with analytics pointed at a replica (the API's ConnectionStrings:RegistryRead), a heavy analytics
/// load should not slow the primary's writes. Writer clients POST whole cases for a window alone, then for a window
/// while analytics clients call the analytics endpoints without pause, then alone again (the second quiet window shows
/// the drift of a shared machine). Prints each window's write rate, p50 and p99, and the analytics calls made.
/// </summary>
public static class ReplicaWrites
{
    public const string Name = "replica-writes";

    private static readonly string[] Analytics =
    [
        "/api/v1/analytics/outcomes-by-drug", "/api/v1/analytics/outcomes-by-combination", "/api/v1/analytics/summary",
        "/api/v1/analytics/outcomes-by-drug?sex=female&minAge=40&maxAge=60",
    ];

    /// <param name="analyticsApi">Where the analytics clients call: the writers' API, or another instance of it (as a
    /// deployment with several API instances would serve them).</param>
    /// <param name="warmUp">Writes run this long unmeasured first: the write path's first seconds are JIT compilation.</param>
    public static async Task RunAsync(HttpClient api, HttpClient analyticsApi, IReadOnlyList<Guid> hospitals, int writers, int analysts, TimeSpan window,
        TimeSpan warmUp, Action<string> line, Action<string> log)
    {
        var synth = new SyntheticCases(17);
        // Serials of their own per run, far above the generator's, so repeated runs on one database post no duplicates.
        var serial = 800_000_000_000L + DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 10_000_000 * 10_000;
        async Task<bool> Write(int client, long i)
        {
            SynthCase next;
            lock (synth) next = synth.Next(hospitals[(int)(i % hospitals.Count)], Interlocked.Increment(ref serial), DateTime.UtcNow);
            return (await api.PostAsJsonAsync("/api/v1/cases", next.ToDocument(), Bench.Json)).StatusCode == HttpStatusCode.Created;
        }

        log("warm-up");
        await Load.RunAsync(writers, warmUp, Write);
        log("writes alone");
        var before = await Load.RunAsync(writers, window, Write);
        log($"writes with {analysts} analytics clients");
        using var stop = new CancellationTokenSource(window + TimeSpan.FromSeconds(5));
        long calls = 0, failed = 0;
        var analytics = Enumerable.Range(0, analysts).Select(a => Task.Run(async () =>
        {
            for (var i = a; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await analyticsApi.GetAsync(Analytics[i % Analytics.Length], stop.Token);
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failed);
                    Interlocked.Increment(ref calls);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            }
        })).ToArray();
        var during = await Load.RunAsync(writers, window, Write);
        await stop.CancelAsync();
        await Task.WhenAll(analytics);
        log("writes alone again");
        var after = await Load.RunAsync(writers, window, Write);

        line($"| window | POST /cases per s | p50 | p99 | errors | analytics calls |");
        line("|---|---|---|---|---|---|");
        foreach (var (name, m, extra) in new[]
                 {
                     ("writes alone", before, "—"), ($"with {analysts} analytics clients", during, $"{calls:N0} ({failed} failed)"),
                     ("writes alone again", after, "—"),
                 })
            line($"| {name} | {m.PerSecond:N0} | {m.P50Ms:N1} ms | {m.P99Ms:N1} ms | {m.Errors} | {extra} |");
    }
}
