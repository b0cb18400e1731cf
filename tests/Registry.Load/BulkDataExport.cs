using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;

namespace Registry.Load;

/// <summary>
/// Bench step "bulk data export": a FHIR Bulk Data export as a client runs it (kick-off with Prefer: respond-async,
/// poll the status URL, download every file of the manifest), sampling the API's VmRSS every 50 ms, next to
/// <c>COPY (same selects) TO STDOUT</c> of the rows the files are generated from (the job's cases with their
/// diagnostics, medications and outcomes), in the same run.
/// </summary>
public static class BulkDataExport
{
    public static async Task<List<string>> RunAsync(HttpClient client, NpgsqlDataSource db, Func<double> rssMb, string types, Action<string> log)
    {
        var lines = new List<string>();
        var rssBefore = rssMb();
        var peak = rssBefore;
        using var sampler = new Timer(_ => peak = Math.Max(peak, rssMb()), null, 0, 50);

        log("bulk data export: kick-off");
        var clock = Stopwatch.StartNew();
        using var kickOff = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/fhir/$export{(types == "" ? "" : $"?_type={types}")}");
        kickOff.Headers.Add("Prefer", "respond-async");
        using var accepted = await client.SendAsync(kickOff);
        if (accepted.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"kick-off: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
        var status = accepted.Content.Headers.ContentLocation!;
        JsonElement manifest;
        while (true)
        {
            using var poll = await client.GetAsync(status);
            if (poll.StatusCode == HttpStatusCode.OK) { manifest = JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement; break; }
            await Task.Delay(poll.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
        var snapshot = clock.Elapsed;
        var jobId = Guid.Parse(status.Segments[^1]);
        log($"bulk data export: manifest after {snapshot.TotalSeconds:N1} s");

        lines.Add("| file | resources | seconds | resources/s | cases/s | API RSS peak during the file |");
        lines.Add("|---|---|---|---|---|---|");
        long cases;
        await using (var connection = await db.OpenConnectionAsync())
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM bulk_export_cases WHERE job_id = $1", connection) { Parameters = { new() { Value = jobId } } })
            cases = (long)(await count.ExecuteScalarAsync())!;
        var download = TimeSpan.Zero;
        long resources = 0;
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            var type = output.GetProperty("type").GetString()!;
            log($"bulk data export: downloading {type} ({output.GetProperty("count").GetInt64():N0})");
            var filePeak = rssMb();
            using var fileSampler = new Timer(_ => filePeak = Math.Max(filePeak, rssMb()), null, 0, 50);
            var fileClock = Stopwatch.StartNew();
            using var response = await client.GetAsync(output.GetProperty("url").GetString(), HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            long rows = 0;
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0) rows += buffer.AsSpan(0, n).Count((byte)'\n');
            fileClock.Stop();
            download += fileClock.Elapsed;
            resources += rows;
            // Every file pass reads its cases; Organization and Patient files read only each hospital's or patient's first.
            var passCases = type is "Organization" or "Patient" ? rows : cases;
            lines.Add($"| {type} | {rows:N0} | {fileClock.Elapsed.TotalSeconds:N1} | {rows / fileClock.Elapsed.TotalSeconds:N0} | {passCases / fileClock.Elapsed.TotalSeconds:N0} | {filePeak:N0} MB |");
        }
        lines.Add($"| **all files** | {resources:N0} | {download.TotalSeconds:N1} | {resources / download.TotalSeconds:N0} | — | {peak:N0} MB |");

        // The ceiling: the same rows the files are built from, straight out of PostgreSQL.
        var copyClock = Stopwatch.StartNew();
        long copied = 0;
        await using (var connection = await db.OpenConnectionAsync())
            foreach (var select in new[]
                     {
                         "SELECT c.* FROM bulk_export_cases s JOIN cases c ON c.id = s.case_id WHERE s.job_id = '{0}' ORDER BY s.case_id",
                         "SELECT d.* FROM bulk_export_cases s JOIN diagnostics d ON d.case_id = s.case_id WHERE s.job_id = '{0}'",
                         "SELECT m.* FROM bulk_export_cases s JOIN medications m ON m.case_id = s.case_id WHERE s.job_id = '{0}'",
                         "SELECT o.* FROM bulk_export_cases s JOIN outcomes o ON o.case_id = s.case_id WHERE s.job_id = '{0}'",
                     })
            using (var reader = await connection.BeginTextExportAsync($"COPY ({string.Format(select, jobId)}) TO STDOUT"))
            {
                var chars = new char[1 << 16];
                int m;
                while ((m = await reader.ReadAsync(chars)) > 0) copied += chars.AsSpan(0, m).Count('\n');
            }
        copyClock.Stop();
        var encounterRate = cases / download.TotalSeconds * manifest.GetProperty("output").GetArrayLength();
        lines.Insert(0, "");
        lines.Insert(0, $"Kick-off to manifest (the job selecting and counting {cases:N0} cases): {snapshot.TotalSeconds:N1} s. " +
            $"API RSS {rssBefore:N0} MB before, peak {peak:N0} MB while downloading every file (target: flat, under 300 MB: {(peak < 300 ? "met" : "missed")}). " +
            $"Ceiling: `COPY (same selects) TO STDOUT` of the job's case, diagnostic, medication and outcome rows ({copied:N0} rows): " +
            $"{copyClock.Elapsed.TotalSeconds:N1} s, {cases / copyClock.Elapsed.TotalSeconds:N0} cases/s, against {encounterRate:N0} cases/s per file pass through the API.");
        return lines;
    }
}
