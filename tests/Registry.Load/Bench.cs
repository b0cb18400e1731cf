using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Registry.Api.Common;

namespace Registry.Load;

/// <summary>
/// The whole benchmark: own PostgreSQL, generated data, the API's Release build as a child process, and every
/// API figure next to its ceiling measured in the same run (the same reads/SQL/COPY done directly with Npgsql).
/// </summary>
public static partial class Bench
{
    /// <summary>The documented development admin key (the bench's API runs with development keys on synthetic data).</summary>
    public const string DevelopmentAdminKey = "hfs_devadmin_development-only-admin-key";

    /// <summary>Case documents as the API reads them (camelCase, kebab-case enum values).</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new KebabEnumConverterFactory() } };

    private static readonly string[] ListFilters =
    [
        "drug=gabapentin",
        "sex=female&minAge=40&maxAge=60",
        "outcome=resolved&side=left",
        "from=2020&to=2021&drug=carbamazepine",
        "minAge=70&sort=-presentationDate",
    ];

    /// <summary>
    /// A server configured as one would for this machine (24 GiB, 2 cores), durable writes off only in the sense of
    /// synchronous_commit=off (the WAL is still fsynced in the background).
    /// </summary>
    internal const string TunedSettings =
        "-c shared_buffers=4GB -c effective_cache_size=16GB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB " +
        "-c synchronous_commit=off -c max_connections=200 -c max_parallel_workers_per_gather=2 -c jit=off -c random_page_cost=1.1 " +
        "-c effective_io_concurrency=200";

    public static async Task<int> RunAsync(int cases, int small, string output, double seconds, string gc, Action<string> log)
    {
        await using var run = new Steps(cases, small, TimeSpan.FromSeconds(seconds), log);
        run.Header(seconds);
        await run.StartDatabaseAsync();
        await run.ListLatencyAsync();
        await run.WholeCaseReadsAsync();
        await run.FhirRestReadsAsync();
        await run.AnalyticsAsync();
        await run.TimeToImprovementAsync();
        await run.BulkIngestAsync();
        await run.ExportAsync();
        await run.BulkDataExportAsync();
        await run.MixedCrudAsync();
        if (gc == "both") await run.TuningVariantsAsync();
        await File.WriteAllTextAsync(output, run.Report);
        log($"figures written to {output}");
        return 0;
    }

    /// <summary>
    /// How long the wrk mixed load runs unmeasured first. The write paths are the last the bench reaches, and the
    /// API's CPU per POST fell from ~14 ms to ~3.5 ms over its first minute of writes while the JIT recompiled them
    /// (tiered compilation); the figure wanted is the steady state.
    /// </summary>
    public static readonly TimeSpan MixedWarmUp = TimeSpan.FromSeconds(40);

    /// <summary>
    /// A measured mixed load, and the CPU seconds each command name (dotnet, postgres, wrk) spent during a window
    /// inside it (sampled while wrk still runs: a process that has ended leaves no CPU time to read).
    /// </summary>
    public sealed record MixedRun(Measurement Load, Dictionary<string, double> CpuSeconds, TimeSpan CpuWindow)
    {
        public double MsPerRequest(string process) =>
            CpuSeconds.GetValueOrDefault(process) / CpuWindow.TotalSeconds / Load.PerSecond * 1000;

        public string CpuSummary() =>
            $"API (dotnet) {MsPerRequest("dotnet"):N2} ms, PostgreSQL {MsPerRequest("postgres"):N2} ms, wrk {MsPerRequest("wrk"):N2} ms";

        /// <summary>Requests per second if PostgreSQL had every core to itself.</summary>
        public double DatabaseCeiling(int cores) => cores * 1000 / MsPerRequest("postgres");
    }

    /// <summary>The mixed CRUD load driven by wrk: templates for its POST and PUT bodies from the synthetic generator.</summary>
    /// <param name="processes">Count only these processes' CPU and their children's (see <see cref="CpuTime"/>); all when null.</param>
    public static async Task<MixedRun> MixedCrudWithWrkAsync(Uri api, Guid[] ids, IReadOnlyList<Guid> hospitals, TimeSpan duration, TimeSpan warmUp,
        IReadOnlySet<int>? processes = null, Mix? mix = null)
    {
        var synth = new SyntheticCases(13);
        var run = DateTime.UtcNow.ToString("HHmmss");
        var posts = Enumerable.Range(0, 64).Select(i =>
        {
            var document = synth.Next(hospitals[i % hospitals.Count], 970_000_000L + i, DateTime.UtcNow).ToDocument();
            return JsonSerializer.Serialize(document with
            {
                SourceCaseId = $"wrk-{run}-__SERIAL__", Patient = document.Patient! with { Pseudonym = $"wrk-{run}-__SERIAL__" },
            }, Json);
        });
        Guid patient = Guid.Parse("11111111-1111-1111-1111-111111111111"), hospital = Guid.Parse("22222222-2222-2222-2222-222222222222");
        var put = JsonSerializer.Serialize(synth.Next(hospitals[0], 979_000_000L, DateTime.UtcNow).ToDocument() with
        {
            Patient = null, PatientId = patient, HospitalId = hospital, SourceCaseId = "__SOURCE__",
        }, Json).Replace($"\"{patient}\"", "\"__PATIENT__\"").Replace($"\"{hospital}\"", "\"__HOSPITAL__\"");
        var idsFile = Path.GetTempFileName();
        var postsFile = Path.GetTempFileName();
        await File.WriteAllLinesAsync(idsFile, ids.Select(id => id.ToString()));
        await File.WriteAllLinesAsync(postsFile, posts);
        try
        {
            var script = Wrk.MixedCrud(idsFile, postsFile, put, ListFilters.Select(Query), DevelopmentAdminKey, mix ?? Mix.Default);
            if (warmUp > TimeSpan.Zero) await Wrk.RunAsync(api, 32, warmUp, script);
            var measured = Wrk.RunAsync(api, 32, duration, script);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (cpu, window) = (new CpuTime(processes), System.Diagnostics.Stopwatch.StartNew());
            await Task.Delay(duration - TimeSpan.FromSeconds(2));
            var used = cpu.SecondsByName();
            return new MixedRun(await measured, used, window.Elapsed);
        }
        finally
        {
            File.Delete(idsFile);
            File.Delete(postsFile);
        }
    }

    private static string Query(string filter) => filter.StartsWith("etiology-free:") ? filter["etiology-free:".Length..] : filter;

    /// <summary>
    /// The registry's own synchronous FHIR stream (<c>$export-bundles</c>, one Bundle per case) read to the end: rows/s,
    /// the API's CPU per row and its resident memory before and at its peak (sampled from /proc every 50 ms; streaming
    /// must keep it flat).
    /// </summary>
    private static async Task FhirExportAsync(ApiProcess api, Action<string> line, Action<string> log)
    {
        log("FHIR $export-bundles");
        var rssBefore = api.RssMb();
        var peak = rssBefore;
        using var sampler = new Timer(_ => peak = Math.Max(peak, api.RssMb()), null, 0, 50);
        var (cpuBefore, clock) = (api.CpuSeconds(), Stopwatch.StartNew());
        using var response = await api.Client.GetAsync("/api/v1/fhir/$export-bundles", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        long rows = 0, bytes = 0;
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0) { rows += buffer.AsSpan(0, n).Count((byte)'\n'); bytes += n; }
        clock.Stop();
        var cpuMsPerRow = (api.CpuSeconds() - cpuBefore) * 1000 / Math.Max(rows, 1);
        line($"| FHIR `$export-bundles`, {rows:N0} Bundles ({bytes / 1024.0 / 1024:N0} MiB NDJSON); API CPU {cpuMsPerRow:N3} ms per Bundle; API RSS {rssBefore:N0} MB before, peak {peak:N0} MB | {rows / clock.Elapsed.TotalSeconds:N0} rows/s | — | — | peak < 300 MB and flat: {(peak < 300 ? "met" : "missed")} |");
    }

    private static async Task<double[]> ListLatencies(ApiProcess api, NpgsqlDataSource db)
    {
        var result = new double[ListFilters.Length];
        for (var f = 0; f < ListFilters.Length; f++)
        {
            var url = $"/api/v1/cases?{Query(ListFilters[f])}&limit=50";
            // Warm-up: JIT, EF's query cache, pooled connections and PostgreSQL's buffers, so the small-size figures are
            // not a cold start compared with a warm large size.
            await Load.SequentialAsync(100, async _ => (await api.Client.GetAsync(url)).IsSuccessStatusCode);
            result[f] = (await Load.SequentialAsync(200, async _ => (await api.Client.GetAsync(url)).IsSuccessStatusCode)).P50;
        }
        return result;
    }

    /// <summary>The ceiling for GET /cases/{id}: the same rows the API reads, in one batch, straight from Npgsql.</summary>
    private static async Task<bool> ReadWholeCaseAsync(NpgsqlDataSource db, Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("SELECT * FROM cases WHERE id = $1") { Parameters = { new() { Value = id } } },
                new("SELECT * FROM diagnostics WHERE case_id = $1") { Parameters = { new() { Value = id } } },
                new("SELECT * FROM medications WHERE case_id = $1") { Parameters = { new() { Value = id } } },
                new("SELECT * FROM outcomes WHERE case_id = $1") { Parameters = { new() { Value = id } } },
                new("SELECT * FROM drugs"),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync();
        var values = new object[64];
        var rows = 0;
        do { while (await reader.ReadAsync()) { reader.GetValues(values); rows++; } } while (await reader.NextResultAsync());
        return rows > 0;
    }

    internal static async Task Vacuum(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        await Generator.Exec(connection, "VACUUM ANALYZE");
        // A second pass: autovacuum's ANALYZE of the freshly loaded tables holds a snapshot while the first pass runs,
        // so it leaves the pages of the last chunks not all-visible (seen: 40% of cases' pages, and index-only scans
        // fetching a quarter of their rows from the heap). Autovacuum would set them later in a live registry.
        await Generator.Exec(connection, "VACUUM");
    }

    internal static string FindRoot()
    {
        var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Registry.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }

    internal static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "?";
        var mem = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return $"{Environment.ProcessorCount} cores ({cpu}), {long.Parse(mem) / 1024 / 1024.0:N1} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    public static void Run(string file, string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args))!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed");
    }
}

/// <summary>The API's Release build, started as its own process on a free port.</summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    public HttpClient Client { get; }

    private ApiProcess(Process process, HttpClient client) { _process = process; Client = client; }

    public static async Task<ApiProcess> StartAsync(string root, string connectionString, bool serverGc, Action<string> log, int? fixedPort = null)
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0); listener.Start();
        var port = fixedPort ?? ((IPEndPoint)listener.LocalEndpoint).Port; listener.Stop();
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(root, "src/Registry.Api/bin/Release/net10.0/Registry.Api.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["ConnectionStrings__Registry"] = connectionString;
        psi.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        // The documented development keys on a synthetic database; no per-key rate limit, since one key drives all load.
        psi.Environment["Registry__Auth__DevelopmentKeys"] = "true";
        psi.Environment["Registry__RateLimit__PerSecond"] = "1000000";
        psi.Environment["Registry__RateLimit__Burst"] = "1000000";
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log("api: " + e.Data); };
        process.BeginOutputReadLine(); process.BeginErrorReadLine();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10),
            DefaultRequestHeaders = { Authorization = new("Bearer", Bench.DevelopmentAdminKey) },
        };
        for (var i = 0; ; i++)
        {
            try { if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode) break; } catch (HttpRequestException) { }
            if (i > 120 || process.HasExited) throw new InvalidOperationException("the API did not become ready");
            await Task.Delay(500);
        }
        log($"API pid {process.Id} on port {port} ({(serverGc ? "Server" : "Workstation")} GC)");
        return new ApiProcess(process, client);
    }

    public double RssMb() => RssKb(_process.Id) / 1024.0;

    /// <summary>The API process's CPU time so far (user + system, from /proc/PID/stat), in seconds.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0; // USER_HZ
    }

    /// <summary>A process's resident memory (VmRSS) in KiB; 0 once it has gone.</summary>
    public static long RssKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:"));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch { return 0; }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(); }
        Client.Dispose();
        return ValueTask.CompletedTask;
    }
}
