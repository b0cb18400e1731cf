using System.Net;
using System.Text;
using Dapper;
using Npgsql;
using Registry.Api.Fhir;
using Registry.Tests.Infrastructure;

namespace Registry.Load;

/// <summary>
/// The FHIR REST figures (issue 12): a read of one resource next to the same rows read raw with Npgsql, and the
/// first page of <c>Condition?code=</c> at the small and the full size. Its own steps, run by the bench and by
/// <c>fhir</c> alone (own cluster and API on given ports, the small size, then the full).
/// </summary>
public static class FhirRestBench
{
    public const string ConditionSearch = "/api/v1/fhir/Condition?code=http://snomed.info/sct%7C13753008";

    /// <summary>The first page (50) of the Condition search: p50 of 200 sequential requests after 100 warm-up ones.</summary>
    public static Task<double> SearchFirstPageP50Async(ApiProcess api) => SearchFirstPageP50Async(api.Client);

    public static async Task<double> SearchFirstPageP50Async(HttpClient api)
    {
        await Load.SequentialAsync(100, async _ => (await api.GetAsync(ConditionSearch)).IsSuccessStatusCode);
        return (await Load.SequentialAsync(200, async _ => (await api.GetAsync(ConditionSearch)).IsSuccessStatusCode)).P50;
    }

    /// <summary>
    /// <c>GET /fhir/Condition/{id}</c> over random cases against the rows it is built from, read raw: the case,
    /// its diagnostics, medications and outcomes, its patient and hospital, in one Npgsql batch per read.
    /// </summary>
    public static Task<List<(int Clients, Measurement Api, Measurement Raw)>> ReadsAsync(ApiProcess api, NpgsqlDataSource db, Guid[] caseIds, TimeSpan window) =>
        ReadsAsync(api.Client, db, caseIds, window);

    public static async Task<List<(int Clients, Measurement Api, Measurement Raw)>> ReadsAsync(HttpClient api, NpgsqlDataSource db, Guid[] caseIds, TimeSpan window)
    {
        var results = new List<(int, Measurement, Measurement)>();
        await Load.RunAsync(4, TimeSpan.FromSeconds(3), async (c, i) => await ReadAsync(api, caseIds[(i * 31 + c) % caseIds.Length]));
        foreach (var clients in new[] { 1, 8 })
        {
            var viaApi = await Load.RunAsync(clients, window, async (c, i) => await ReadAsync(api, caseIds[(i * 7919 + c * 104729) % caseIds.Length]));
            var raw = await Load.RunAsync(clients, window, async (c, i) => await ReadRawAsync(db, caseIds[(i * 7919 + c * 104729) % caseIds.Length]));
            results.Add((clients, viaApi, raw));
        }
        return results;
    }

    public static void Report(Action<string> line, int small, int cases, double smallSearch, double bigSearch,
        List<(int Clients, Measurement Api, Measurement Raw)> reads, double loadBefore)
    {
        line("## FHIR REST (issue 12)");
        line("");
        line($"Load average before these steps: {loadBefore:N1} on {Environment.ProcessorCount} cores.");
        line("");
        line("| measure | API | ceiling | API / ceiling | target |");
        line("|---|---|---|---|---|");
        foreach (var (clients, viaApi, raw) in reads)
        {
            var ratio = viaApi.PerSecond / raw.PerSecond;
            line($"| `GET /fhir/Condition/{{id}}`, {clients} client(s), p50 {viaApi.P50Ms:N2} ms | {viaApi.PerSecond:N0} req/s | {raw.PerSecond:N0} req/s, p50 {raw.P50Ms:N2} ms (the case, children, patient, hospital in one Npgsql batch) | {ratio:N2} | ≥ 0.5: {(ratio >= 0.5 ? "met" : "missed")} |");
            if (viaApi.Errors + raw.Errors > 0) line($"| | errors: API {viaApi.Errors}, raw {raw.Errors} | | | |");
        }
        var growth = bigSearch / smallSearch;
        line($"| `Condition?code=…|13753008` first page (50), p50 of 200 | {smallSearch:N2} ms at {small:N0}, {bigSearch:N2} ms at {cases:N0} | | growth {growth:N2}× | < 1.5×: {(growth < 1.5 ? "met" : "missed")} |");
        line("");
    }

    /// <summary>The standalone command: its own cluster and API (on the given ports), the small size, then the full size.</summary>
    public static async Task<int> RunAsync(int cases, int small, double seconds, int pgPort, int apiPort, string output, Action<string> log)
    {
        var report = new StringBuilder();
        void Line(string text) { report.AppendLine(text); Console.WriteLine(text); }
        var root = Bench.FindRoot();
        Line($"# FHIR REST bench — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line("");
        Line($"Machine: {Bench.Machine()}");
        Line("");
        log("building the API (Release)...");
        Bench.Run("dotnet", ["build", Path.Combine(root, "src/Registry.Api/Registry.Api.csproj"), "-c", "Release", "-v", "q", "-nologo"]);
        await using var cluster = PostgresCluster.Start(settings: Bench.TunedSettings, port: pgPort);
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync();
            await Generator.Exec(admin, "CREATE DATABASE bench");
        }
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Database = "bench", Pooling = true, MaxPoolSize = 100 }.ConnectionString;
        await using var db = NpgsqlDataSource.Create(connectionString);
        await new Registry.Api.Data.Migrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<Registry.Api.Data.Migrator>.Instance).MigrateAsync();

        var generated = await Generator.GenerateAsync(db, small, 42, false, log);
        await Bench.Vacuum(db);
        await using var api = await ApiProcess.StartAsync(root, connectionString, serverGc: false, log, apiPort);
        log("FHIR search at the small size");
        var smallSearch = await SearchFirstPageP50Async(api);
        var rest = await Generator.GenerateAsync(db, cases - small, 43, false, log);
        Line($"Generation: {cases:N0} cases in {(generated + rest).TotalSeconds:N0} s.");
        await Bench.Vacuum(db);
        log("FHIR search and reads at the full size");
        var bigSearch = await SearchFirstPageP50Async(api);
        var ids = (await db.OpenConnection().QueryAsync<Guid>("SELECT id FROM cases TABLESAMPLE SYSTEM (1) LIMIT 20000")).ToArray();
        var loadBefore = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var reads = await ReadsAsync(api, db, ids, TimeSpan.FromSeconds(seconds));
        Report(Line, small, cases, smallSearch, bigSearch, reads, loadBefore);
        await File.WriteAllTextAsync(output, report.ToString());
        log($"figures written to {output}");
        return 0;
    }

    /// <summary>
    /// The read and the search against an API already running on a generated database (<c>fhir-read</c>): for
    /// comparing builds on the same database, one API after the other.
    /// </summary>
    public static async Task<int> AgainstRunningAsync(HttpClient api, NpgsqlDataSource db, double seconds, Action<string> log)
    {
        Guid[] ids;
        await using (var connection = await db.OpenConnectionAsync())
            ids = (await connection.QueryAsync<Guid>("SELECT id FROM cases TABLESAMPLE SYSTEM (10) LIMIT 20000")).ToArray();
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        log($"FHIR read over {ids.Length:N0} cases, load average {load}");
        foreach (var (clients, viaApi, raw) in await ReadsAsync(api, db, ids, TimeSpan.FromSeconds(seconds)))
            Console.WriteLine($"read, {clients} client(s): API {viaApi.PerSecond:N0} req/s (p50 {viaApi.P50Ms:N2} ms, {viaApi.Errors} errors), " +
                $"raw {raw.PerSecond:N0} req/s (p50 {raw.P50Ms:N2} ms); API / raw {viaApi.PerSecond / raw.PerSecond:N2}");
        Console.WriteLine($"Condition?code= first page p50: {await SearchFirstPageP50Async(api):N2} ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        return 0;
    }

    private static async Task<bool> ReadAsync(HttpClient api, Guid caseId) =>
        (await api.GetAsync($"/api/v1/fhir/Condition/{FhirJson.DerivedId(caseId, "condition")}")).StatusCode == HttpStatusCode.OK;

    private static async Task<bool> ReadRawAsync(NpgsqlDataSource db, Guid caseId)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("SELECT * FROM cases WHERE id = $1") { Parameters = { new() { Value = caseId } } },
                new("SELECT * FROM diagnostics WHERE case_id = $1") { Parameters = { new() { Value = caseId } } },
                new("SELECT * FROM medications WHERE case_id = $1") { Parameters = { new() { Value = caseId } } },
                new("SELECT * FROM outcomes WHERE case_id = $1") { Parameters = { new() { Value = caseId } } },
                new("SELECT p.* FROM patients p JOIN cases c ON c.patient_id = p.id WHERE c.id = $1") { Parameters = { new() { Value = caseId } } },
                new("SELECT h.* FROM hospitals h JOIN cases c ON c.hospital_id = h.id WHERE c.id = $1") { Parameters = { new() { Value = caseId } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync();
        var values = new object[64];
        var rows = 0;
        do { while (await reader.ReadAsync()) { reader.GetValues(values); rows++; } } while (await reader.NextResultAsync());
        return rows > 0;
    }
}
