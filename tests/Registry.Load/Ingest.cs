using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Npgsql;
using Registry.Api.Common;

namespace Registry.Load;

/// <summary>
/// Bulk ingest against a running API: the rate of POST /cases/bulk next to a binary COPY of the same kind of rows
/// (history triggers on) into the same database, as the bench measures it; or, with a body size, the API's memory while a
/// body of that size streams through.
/// </summary>
public static class Ingest
{
    /// <summary>Each round: N new cases through the API, then N other new cases by COPY; both timed end to end.</summary>
    public static async Task<int> CompareAsync(string connection, string url, string key, int cases, int rounds, Action<string> log)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        var synth = new SyntheticCases(Environment.TickCount);
        var hospitals = await Generator.HospitalsAsync(db, synth);
        using var client = Client(url, key);
        var serial = FreshSerial();

        Console.WriteLine($"| cases | body | API created | API cases/s | COPY cases/s | API / COPY | load before |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        for (var round = 1; round <= rounds; round++)
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            var run = await CompareOnceAsync(client, db, synth, hospitals, serial, cases, log);
            serial += 2L * cases;
            Console.WriteLine($"| {cases:N0} | {run.BodyBytes / 1024:N0} KiB | {run.Created:N0} | {run.ApiPerSecond:N0} | {run.CopyPerSecond:N0} | {run.ApiPerSecond / run.CopyPerSecond:N2} | {load} |");
            if (run.Created != cases) Console.WriteLine($"|  | not all created: {run.Answer.Split('\n').FirstOrDefault(l => !l.Contains("\"created\""))} | | | | | |");
        }
        return 0;
    }

    /// <summary>What one comparison measured; <see cref="Answer"/> is the API's NDJSON answer.</summary>
    public sealed record Comparison(int BodyBytes, int Created, double ApiPerSecond, double CopyPerSecond, string Answer);

    /// <summary>
    /// N new cases (serials from <paramref name="firstSerial"/>) through POST /cases/bulk, then N other new cases by
    /// binary COPY with the history triggers on, each timed end to end; the bench and the ingest command both measure this.
    /// </summary>
    public static async Task<Comparison> CompareOnceAsync(HttpClient client, NpgsqlDataSource db, SyntheticCases synth,
        IReadOnlyList<Guid> hospitals, long firstSerial, int cases, Action<string> log)
    {
        var serial = firstSerial;
        var viaHttp = Enumerable.Range(0, cases).Select(_ => synth.Next(synth.PickHospital(hospitals), serial++, DateTime.UtcNow)).ToList();
        var viaCopy = Enumerable.Range(0, cases).Select(_ => synth.Next(synth.PickHospital(hospitals), serial++, DateTime.UtcNow)).ToList();
        var ndjson = new StringBuilder();
        foreach (var c in viaHttp) ndjson.Append(JsonSerializer.Serialize(c.ToDocument(), Bench.Json)).Append('\n');
        var body = Encoding.UTF8.GetBytes(ndjson.ToString());

        log($"{cases:N0} cases through the API");
        var apiClock = Stopwatch.StartNew();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/x-ndjson");
        using var response = await client.PostAsync("/api/v1/cases/bulk", content);
        var answer = await response.Content.ReadAsStringAsync();
        apiClock.Stop();
        var created = answer.Split('\n').Count(l => l.Contains("\"status\":\"created\""));

        log($"{cases:N0} cases by COPY");
        var copyClock = Stopwatch.StartNew();
        await Generator.CopyAsync(db, viaCopy, historyInOneStatement: false);
        copyClock.Stop();
        return new Comparison(body.Length, created, created / apiClock.Elapsed.TotalSeconds, cases / copyClock.Elapsed.TotalSeconds, answer);
    }

    /// <summary>
    /// Streams a body of <paramref name="megabytes"/> MB generated on the fly: <paramref name="cases"/> new cases, then
    /// the same documents again and again (each a duplicate of a stored sourceCaseId) until the size is reached, so the
    /// whole body is parsed, validated and checked but only the first cases are stored. Samples the API's VmRSS.
    /// HttpClient sends an HTTP/1.1 body whole before it reads the answer, so curl carries the upload (it reads the
    /// streamed answer while still sending, as a real uploader of a large body must).
    /// </summary>
    public static async Task<int> StreamAsync(string connection, string url, string key, int cases, long megabytes, int pid, Action<string> log)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        var synth = new SyntheticCases(Environment.TickCount);
        var hospitals = await Generator.HospitalsAsync(db, synth);
        var serial = FreshSerial();
        var lines = Enumerable.Range(0, cases)
            .Select(_ => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(synth.Next(synth.PickHospital(hospitals), serial++, DateTime.UtcNow).ToDocument(), Bench.Json) + "\n"))
            .ToList();

        var curl = Process.Start(new ProcessStartInfo("curl",
            ["-sS", "-N", "-X", "POST", "-T", "-", "-H", "Content-Type: application/x-ndjson", "-H", $"Authorization: Bearer {key}",
             $"{url.TrimEnd('/')}/api/v1/cases/bulk"])
        { RedirectStandardInput = true, RedirectStandardOutput = true })!;

        var rss = new List<(double Seconds, long Kb)>();
        var clock = Stopwatch.StartNew();
        using var sampler = new Timer(_ => { lock (rss) rss.Add((clock.Elapsed.TotalSeconds, ApiProcess.RssKb(pid))); }, null, 0, 250);

        var statuses = new Dictionary<string, long>();
        string? summary = null;
        var reading = Task.Run(async () =>
        {
            while (await curl.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.Contains("\"status\":\"summary\"")) { summary = line; continue; }
                var status = line.Split("\"status\":\"", 2) is [_, var rest] ? rest[..rest.IndexOf('"')] : "?";
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }
        });

        long sent = 0, sentLines = 0;
        var limit = megabytes * 1_000_000;
        var stdin = curl.StandardInput.BaseStream;
        for (var i = 0; sent < limit; i = (i + 1) % lines.Count)
        {
            await stdin.WriteAsync(lines[i]);
            sent += lines[i].Length;
            sentLines++;
            if (sentLines % 100_000 == 0) log($"sent {sentLines:N0} lines, {sent / 1_000_000:N0} MB; RSS {ApiProcess.RssKb(pid) / 1024:N0} MB");
        }
        stdin.Close();
        await reading;
        await curl.WaitForExitAsync();
        clock.Stop();

        List<(double Seconds, long Kb)> samples;
        lock (rss) samples = rss.Where(s => s.Kb > 0).ToList();
        Console.WriteLine($"body: {sent:N0} bytes, {sentLines:N0} lines ({cases:N0} new cases, then the same documents repeated as duplicates), {clock.Elapsed.TotalSeconds:N0} s, {sentLines / clock.Elapsed.TotalSeconds:N0} lines/s");
        Console.WriteLine($"answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value:N0}"))}");
        Console.WriteLine($"summary: {summary}");
        Console.WriteLine($"API VmRSS ({samples.Count} samples every 250 ms): first {samples[0].Kb / 1024.0:N0} MB, " +
            $"min {samples.Min(s => s.Kb) / 1024.0:N0} MB, max {samples.Max(s => s.Kb) / 1024.0:N0} MB, last {samples[^1].Kb / 1024.0:N0} MB");
        foreach (var tenth in Enumerable.Range(0, 11))
        {
            var s = samples[Math.Min(samples.Count - 1, tenth * (samples.Count - 1) / 10)];
            Console.WriteLine($"  t={s.Seconds,6:N0} s  RSS {s.Kb / 1024.0,6:N0} MB");
        }
        return curl.ExitCode;
    }

    /// <summary>Serial numbers (hence sourceCaseIds and pseudonyms) no earlier run used: runs start a second apart.</summary>
    private static long FreshSerial() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1_000_000;

    private static HttpClient Client(string url, string key) => new()
    {
        BaseAddress = new Uri(url), Timeout = TimeSpan.FromHours(1),
        DefaultRequestHeaders = { Authorization = new("Bearer", key) },
    };
}
