using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Npgsql;
using Registry.Api.Analytics;
using Registry.Api.Cases;
using Registry.Api.Data;
using Registry.Tests.Infrastructure;

namespace Registry.Load;

public static partial class Bench
{
    /// <summary>
    /// The benchmark's steps, in the order <see cref="RunAsync"/> runs them, sharing the run's database, API process,
    /// sampled ids and report.
    /// </summary>
    private sealed class Steps(int cases, int small, TimeSpan window, Action<string> log) : IAsyncDisposable
    {
        private readonly StringBuilder report = new();
        private readonly string root = FindRoot();
        private PostgresCluster cluster = null!;
        private NpgsqlDataSource db = null!;
        private string connectionString = "";
        private ApiProcess api = null!;
        private Guid[] ids = [];
        private List<Guid> hospitals = [];
        private double smallFhirSearch, bigFhirSearch;

        public string Report => report.ToString();

        private void Line(string text) { report.AppendLine(text); Console.WriteLine(text); }

        public void Header(double seconds)
        {
            Line($"# HFS Registry benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            Line("");
            Line($"Machine: {Machine()}");
            Line($"Cases: {cases:N0} generated (plus the 2 seed cases); load windows {seconds:N0} s; load tool, API and PostgreSQL on the same machine.");
            Line("");
        }

        /// <summary>Builds the API, starts a tuned PostgreSQL and migrates an empty database.</summary>
        public async Task StartDatabaseAsync()
        {
            log("building the API (Release)...");
            Run("dotnet", ["build", Path.Combine(root, "src/Registry.Api/Registry.Api.csproj"), "-c", "Release", "-v", "q", "-nologo"]);

            cluster = PostgresCluster.Start(settings: TunedSettings);
            log($"PostgreSQL on 127.0.0.1:{cluster.Port}");
            await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
            {
                await admin.OpenAsync();
                await Generator.Exec(admin, "CREATE DATABASE bench");
            }
            connectionString = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Database = "bench", Pooling = true, MaxPoolSize = 100 }.ConnectionString;
            db = NpgsqlDataSource.Create(Generator.WithoutCommandTimeout(connectionString));
            await new Migrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance).MigrateAsync();
        }

        /// <summary>Filtered, paged GET /cases at the small size and again at the full size: how p50 grows with the data.</summary>
        public async Task ListLatencyAsync()
        {
            var generated = await Generator.GenerateAsync(db, small, 42, false, log);
            await Vacuum(db);
            api = await ApiProcess.StartAsync(root, connectionString, serverGc: false, log);
            var smallList = await ListLatencies(api, db);
            smallFhirSearch = await FhirRestBench.SearchFirstPageP50Async(api);

            // ---------------------------------------------------------------- grow to the full size
            var rest = await Generator.GenerateAsync(db, cases - small, 43, false, log);
            Line($"Generation: {cases:N0} cases in {(generated + rest).TotalSeconds:N0} s ({cases / (generated + rest).TotalSeconds:N0} cases/s, binary COPY, with every index in place).");
            log("VACUUM ANALYZE...");
            var vacuum = Stopwatch.StartNew();
            await Vacuum(db);
            Line($"VACUUM ANALYZE after loading: {vacuum.Elapsed.TotalSeconds:N0} s.");
            Line("");
            var bigList = await ListLatencies(api, db);
            bigFhirSearch = await FhirRestBench.SearchFirstPageP50Async(api);

            Line("## Filtered, paged GET /cases (limit 50, first page), p50 of 200 sequential requests after 100 warm-up requests");
            Line("");
            Line($"| filter | p50 at {small:N0} | p50 at {cases:N0} | growth | target < 1.5× |");
            Line("|---|---|---|---|---|");
            foreach (var (filter, i) in ListFilters.Select((f, i) => (f, i)))
            {
                var growth = bigList[i] / smallList[i];
                Line($"| `{Query(filter)}` | {smallList[i]:N2} ms | {bigList[i]:N2} ms | {growth:N2}× | {(growth < 1.5 ? "met" : "missed")} |");
            }
            Line("");
        }

        /// <summary>GET /cases/{id} at 1, 8 and 32 clients, next to the same reads done directly with Npgsql.</summary>
        public async Task WholeCaseReadsAsync()
        {
            ids = (await db.OpenConnection().QueryAsync<Guid>("SELECT id FROM cases TABLESAMPLE SYSTEM (1) LIMIT 20000")).ToArray();
            log($"GET /cases/{{id}} over {ids.Length} random ids");
            Line("## GET /cases/{id} (whole case) against the same reads done directly with Npgsql");
            Line("");
            Line("The ceiling runs the reads the API needs for one whole case (the case row, its diagnostics, medications with");
            Line("their drug vocabulary, and outcomes) as one Npgsql batch per request, from the same data source settings, in");
            Line("this process. The API is loaded by wrk (C, a fraction of HttpClient's CPU per request, so less of the two cores");
            Line("goes to the load tool) and, for comparison, by this process's HttpClient clients; the ratio uses wrk.");
            Line("");
            Line("| clients | API req/s (wrk) | API p50 | API p99 | API req/s (HttpClient) | raw Npgsql req/s | raw p50 | raw p99 | API / raw | target ≥ 0.5 at 8, 32 |");
            Line("|---|---|---|---|---|---|---|---|---|---|");
            var idsFile = Path.Combine(Path.GetTempPath(), $"hfs-bench-ids-{Environment.ProcessId}.txt");
            await File.WriteAllLinesAsync(idsFile, ids.Select(id => id.ToString()));
            var readsScript = Wrk.WholeCaseReads(idsFile, DevelopmentAdminKey);
            foreach (var clients in new[] { 1, 8, 32 })
            {
                var viaWrk = Wrk.IsInstalled ? await Wrk.RunAsync(api.Client.BaseAddress!, clients, window, readsScript) : null;
                var viaApi = await Load.RunAsync(clients, window, async (_, i) =>
                    (await api.Client.GetAsync($"/api/v1/cases/{ids[(i * 7919 + _ * 104729) % ids.Length]}")).StatusCode == HttpStatusCode.OK);
                var raw = await Load.RunAsync(clients, window, async (c, i) => await ReadWholeCaseAsync(db, ids[(i * 7919 + c * 104729) % ids.Length]));
                var best = viaWrk ?? viaApi;
                var ratio = best.PerSecond / raw.PerSecond;
                Line($"| {clients} | {(viaWrk is null ? "wrk not installed" : $"{viaWrk.PerSecond:N0}")} | {best.P50Ms:N2} ms | {best.P99Ms:N2} ms | {viaApi.PerSecond:N0} | {raw.PerSecond:N0} | {raw.P50Ms:N2} ms | {raw.P99Ms:N2} ms | {ratio:N2} | {(clients == 1 ? "—" : ratio >= 0.5 ? "met" : "missed")} |");
                if ((viaWrk?.Errors ?? 0) + viaApi.Errors + raw.Errors > 0)
                    Line($"|  | errors: wrk {viaWrk?.Errors ?? 0}, HttpClient {viaApi.Errors}, raw {raw.Errors} | | | | | | | | |");
            }
            File.Delete(idsFile);
            Line("");
        }

        /// <summary>FHIR REST (issue 12): one resource read next to the same read done raw, and Condition?code= first pages at both sizes.</summary>
        public async Task FhirRestReadsAsync()
        {
            log("FHIR REST reads");
            var load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            FhirRestBench.Report(Line, small, cases, smallFhirSearch, bigFhirSearch, await FhirRestBench.ReadsAsync(api, db, ids, window), load);
        }

        /// <summary>Kaplan–Meier time to improvement per drug next to the SQL it runs.</summary>
        public Task TimeToImprovementAsync() => TimeToImprovementBench.RunAsync(api.Client, db, 15, Line, log);

        /// <summary>The FHIR Bulk Data export: kick-off, poll, every file downloaded, next to COPY of the same rows.</summary>
        public async Task BulkDataExportAsync()
        {
            log("bulk data export");
            Line("## FHIR Bulk Data export (kick-off, poll, every file downloaded)");
            Line("");
            foreach (var line in await BulkDataExport.RunAsync(api.Client, db, api.RssMb, "", log)) Line(line);
            Line("");
        }

        /// <summary>The analytics reports over all cases, outcomes-by-drug next to its own SQL.</summary>
        public async Task AnalyticsAsync()
        {
            log("outcomes-by-drug");
            var (sql, parameters) = OutcomesByDrugQuery.Sql(new CaseFilters(), Registry.Api.Data.Caller.System);
            var (apiAnalytics, rawAnalytics) = await Load.InterleavedAsync(15,
                async () => (await api.Client.GetAsync("/api/v1/analytics/outcomes-by-drug")).IsSuccessStatusCode,
                async () =>
                {
                    await using var connection = await db.OpenConnectionAsync();
                    await using var results = await connection.QueryMultipleAsync(sql, parameters);
                    await results.ReadAsync(); await results.ReadAsync();
                    return true;
                });
            var combination = await Load.SequentialAsync(10, async _ => (await api.Client.GetAsync("/api/v1/analytics/outcomes-by-combination")).IsSuccessStatusCode);
            var summary = await Load.SequentialAsync(10, async _ => (await api.Client.GetAsync("/api/v1/analytics/summary")).IsSuccessStatusCode);
            var filtered = await Load.SequentialAsync(10, async _ => (await api.Client.GetAsync("/api/v1/analytics/outcomes-by-drug?sex=female&minAge=40&maxAge=60")).IsSuccessStatusCode);
            Line($"## Analytics over all {cases:N0} cases, p50 of sequential requests (the unfiltered report and its SQL called in turn, 15 each after 3 unmeasured)");
            Line("");
            Line("| report | API p50 | same SQL direct p50 | API / SQL | target ≤ 1.2× |");
            Line("|---|---|---|---|---|");
            Line($"| outcomes-by-drug (no filter) | {apiAnalytics:N0} ms | {rawAnalytics:N0} ms | {apiAnalytics / rawAnalytics:N2}× | {(apiAnalytics / rawAnalytics <= 1.2 ? "met" : "missed")} |");
            Line($"| outcomes-by-drug `sex=female&minAge=40&maxAge=60` | {filtered.P50:N0} ms | | | |");
            Line($"| outcomes-by-combination (no filter) | {combination.P50:N0} ms | | | |");
            Line($"| summary (no filter) | {summary.P50:N0} ms | | | |");
            Line("");
            await using (var connection = await db.OpenConnectionAsync())
            {
                var explained = (await connection.QueryAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + sql.Split(';')[0], parameters)).ToList();
                Line("EXPLAIN (ANALYZE, BUFFERS) of the outcomes-by-drug SQL, no filter:");
                Line("");
                Line("```");
                foreach (var l in explained) Line(l);
                Line("```");
                Line("");
            }
        }

        /// <summary>Bulk NDJSON ingest next to binary COPY of the same kind of rows.</summary>
        public async Task BulkIngestAsync()
        {
            const int ingestCases = 2000;
            log($"bulk ingest of {ingestCases} cases");
            var synth = new SyntheticCases(7);
            hospitals = await Generator.HospitalsAsync(db, synth);
            var ingest = await Ingest.CompareOnceAsync(api.Client, db, synth, hospitals, 900_000_000L, ingestCases, log);
            Line($"## Ingest and export");
            Line("");
            Line("| measure | API | ceiling | API / ceiling | target |");
            Line("|---|---|---|---|---|");
            var ingestRatio = ingest.ApiPerSecond / ingest.CopyPerSecond;
            Line($"| bulk ingest, {ingestCases:N0} whole cases (NDJSON, {ingest.BodyBytes / 1024:N0} KiB; {ingest.Created} created) | {ingest.ApiPerSecond:N0} cases/s | {ingest.CopyPerSecond:N0} cases/s (binary COPY of the same kind of rows, triggers on) | {ingestRatio:N2} | ≥ 0.5: {(ingestRatio >= 0.5 ? "met" : "missed")} |");
        }

        /// <summary>CSV and NDJSON export: rows/s and the API's peak memory, next to COPY TO STDOUT.</summary>
        public async Task ExportAsync()
        {
            log("export");
            foreach (var format in new[] { "csv", "ndjson" })
            {
                var rssBefore = api.RssMb();
                var peak = rssBefore;
                using var sampler = new Timer(_ => peak = Math.Max(peak, api.RssMb()), null, 0, 50);
                var exportClock = Stopwatch.StartNew();
                using var response = await api.Client.GetAsync($"/api/v1/cases/export?format={format}", HttpCompletionOption.ResponseHeadersRead);
                await using var stream = await response.Content.ReadAsStreamAsync();
                long rows = 0;
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await stream.ReadAsync(buffer)) > 0) rows += buffer.AsSpan(0, n).Count((byte)'\n');
                exportClock.Stop();
                if (format == "csv") rows--; // header
                var rawClock = Stopwatch.StartNew();
                long rawRows = 0;
                await using (var connection = await db.OpenConnectionAsync())
                using (var reader = await connection.BeginTextExportAsync("""
                    COPY (SELECT c.id, c.hospital_id, c.patient_id, c.source_case_id, p.sex, p.birth_year, c.age_at_presentation,
                          c.presentation_date, c.affected_side, c.etiology, c.symptom_duration_days, c.follow_up_days, array_to_string(c.drugs, ';'),
                          c.final_outcome_status, c.final_outcome_day, c.first_improvement_day, c.created_at
                          FROM cases c JOIN patients p ON p.id = c.patient_id ORDER BY c.created_at, c.id) TO STDOUT (FORMAT CSV)
                    """))
                {
                    var chars = new char[1 << 16];
                    int m;
                    while ((m = await reader.ReadAsync(chars)) > 0) rawRows += chars.AsSpan(0, m).Count('\n');
                }
                rawClock.Stop();
                var rate = rows / exportClock.Elapsed.TotalSeconds;
                var rawRate = rawRows / rawClock.Elapsed.TotalSeconds;
                Line($"| export `format={format}`, {rows:N0} rows; API RSS {rssBefore:N0} MB before, peak {peak:N0} MB | {rate:N0} rows/s | {rawRate:N0} rows/s (`COPY (same SELECT) TO STDOUT CSV`) | {rate / rawRate:N2} | peak < 300 MB and flat: {(peak < 300 ? "met" : "missed")} |");
            }
            await FhirExportAsync(api, Line, log);
            Line("");
        }

        /// <summary>The mixed read/write load, by HttpClient clients and by wrk.</summary>
        public async Task MixedCrudAsync()
        {
            log("mixed CRUD");
            var mixedSynth = new SyntheticCases(11);
            var mixedSerial = 950_000_000L;
            // PUTs replace cases from the second half of the sample. It was ids.Skip(2000): at 100,000 cases the 1%
            // sample holds about 1,000 ids, so every PUT divided by zero and counted as an error, unseen.
            var updateIds = ids[(ids.Length / 2)..];
            var mixed = await Load.RunAsync(32, window * 2, async (client, i) =>
            {
                var roll = (int)((i * 37 + client * 11) % 100);
                if (roll < 60)
                    return (await api.Client.GetAsync($"/api/v1/cases/{ids[(i * 7919 + client * 104729) % ids.Length]}")).IsSuccessStatusCode;
                if (roll < 75)
                    return (await api.Client.GetAsync($"/api/v1/cases?{Query(ListFilters[(int)(i % ListFilters.Length)])}&limit=20")).IsSuccessStatusCode;
                if (roll < 90)
                {
                    SynthCase next;
                    lock (mixedSynth) next = mixedSynth.Next(hospitals[(int)(i % hospitals.Count)], Interlocked.Increment(ref mixedSerial), DateTime.UtcNow);
                    var response = await api.Client.PostAsJsonAsync("/api/v1/cases", next.ToDocument(), Json);
                    return response.StatusCode == HttpStatusCode.Created;
                }
                SynthCase changed;
                lock (mixedSynth) changed = mixedSynth.Next(hospitals[0], Interlocked.Increment(ref mixedSerial), DateTime.UtcNow);
                var id = updateIds[(i * 31 + client) % updateIds.Length];
                var read = await api.Client.GetAsync($"/api/v1/cases/{id}");
                var current = await read.Content.ReadFromJsonAsync<CaseResponse>(Json);
                var document = changed.ToDocument() with
                {
                    Patient = null, PatientId = current!.PatientId, HospitalId = current.HospitalId, SourceCaseId = current.SourceCaseId,
                };
                // Optimistic concurrency: replace the version just read; a concurrent writer's 412 counts as a failed operation.
                var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/cases/{id}") { Content = JsonContent.Create(document, options: Json) };
                put.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag?.ToString());
                return (await api.Client.SendAsync(put)).IsSuccessStatusCode;
            });
            var cores = Environment.ProcessorCount;
            var wrkRun = Wrk.IsInstalled ? await MixedCrudWithWrkAsync(api.Client.BaseAddress!, ids, hospitals, window * 2, MixedWarmUp) : null;
            var wrkMixed = wrkRun?.Load;
            Line($"## Mixed CRUD load, 32 clients, {window.TotalSeconds * 2:N0} s");
            Line("");
            Line("60% GET /cases/{id}, 15% filtered GET /cases (limit 20), 15% POST /cases (whole case with children), 10% PUT");
            Line("/cases/{id} (a whole-case replace with If-Match). wrk: each request is one of these, the PUT replacing a case the");
            Line("same wrk thread has just read (its ETag). HttpClient clients: the PUT is preceded by its own GET, and the pair");
            Line("counts as one operation. The HAPI FHIR figure counts requests. wrk is measured after running the same load");
            Line($"unmeasured for {MixedWarmUp.TotalSeconds:N0} s, after the HttpClient run: the write paths' steady state, not their JIT warm-up.");
            Line("");
            Line("| load tool | requests (operations)/s | per core | p50 | p99 | errors | HAPI FHIR reference | target (5× per core) |");
            Line("|---|---|---|---|---|---|---|---|");
            foreach (var (tool, m) in new[] { ("wrk", wrkMixed), ("HttpClient", mixed) })
                if (m is not null)
                    Line($"| {tool} | {m.PerSecond:N0} | {m.PerSecond / cores:N0} | {m.P50Ms:N1} ms | {m.P99Ms:N1} ms | {m.Errors} | ~470 req/s per vCPU | ≥ 2,350 per core: {(m.PerSecond / cores >= 2350 ? "met" : "missed")} |");
            Line("");
            if (wrkRun is not null)
            {
                Line($"CPU per request during the measured wrk run: {wrkRun.CpuSummary()}. PostgreSQL's part alone caps this");
                Line($"mix at {wrkRun.DatabaseCeiling(cores):N0} requests/s ({wrkRun.DatabaseCeiling(cores) / cores:N0} per core) on this machine, before any API or load tool work.");
                Line("");
            }
        }

        /// <summary>GET /cases/{id} at 32 clients for each GC and auto-prepare variant, each a fresh API process.</summary>
        public async Task TuningVariantsAsync()
        {
            log("tuning variants");
            await api.DisposeAsync();
            Line("## Tuning variants: GET /cases/{id} at 32 clients");
            Line("");
            Line("The figures above ran the API as shipped: Workstation GC, Max Auto Prepare 64 (the API's default when the");
            Line("connection string does not set it). Each variant is a fresh API process, warmed up for 3 s.");
            Line("");
            Line("| variant | req/s | p50 | p99 | API RSS after |");
            Line("|---|---|---|---|---|");
            var unprepared = connectionString + ";Max Auto Prepare=0";
            foreach (var (name, cs, serverGc) in new[]
            {
                ("Workstation GC, Max Auto Prepare 64 (as shipped)", connectionString, false),
                ("Workstation GC, `Max Auto Prepare=0`", unprepared, false),
                ("Server GC, Max Auto Prepare 64", connectionString, true),
                ("Server GC, `Max Auto Prepare=0`", unprepared, true),
            })
            {
                await using var variant = await ApiProcess.StartAsync(root, cs, serverGc, log);
                await Load.RunAsync(8, TimeSpan.FromSeconds(3), async (c, i) =>
                    (await variant.Client.GetAsync($"/api/v1/cases/{ids[(i * 31 + c) % ids.Length]}")).IsSuccessStatusCode);
                var m = await Load.RunAsync(32, window, async (c, i) =>
                    (await variant.Client.GetAsync($"/api/v1/cases/{ids[(i * 7919 + c * 104729) % ids.Length]}")).StatusCode == HttpStatusCode.OK);
                Line($"| {name} | {m.PerSecond:N0} | {m.P50Ms:N2} ms | {m.P99Ms:N2} ms | {variant.RssMb():N0} MB |");
            }
            Line("");
        }

        public async ValueTask DisposeAsync()
        {
            // In reverse order of starting; a step that failed may have left some unstarted.
            if (api is not null) await api.DisposeAsync();
            if (db is not null) await db.DisposeAsync();
            if (cluster is not null) await cluster.DisposeAsync();
        }
    }
}
