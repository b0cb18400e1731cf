using Npgsql;

namespace Registry.Load;

/// <summary>
/// dotnet run --project tests/Registry.Load -c Release -- generate --connection "Host=..." --cases 1000000 [--seed 42] [--force]
/// dotnet run --project tests/Registry.Load -c Release -- bench [--cases 1000000] [--out docs/performance-results.md]
/// dotnet run --project tests/Registry.Load -c Release -- summary-authority [--cases 2000] [--singles 300] [--rounds 3] [--pg-port 57310]
/// dotnet run --project tests/Registry.Load -c Release -- fhir [--cases 1000000] [--small 10000] [--pg-port P] [--api-port P] [--out FILE]
/// dotnet run --project tests/Registry.Load -c Release -- mixed --url http://127.0.0.1:5080 --connection "Host=..." [--seconds 20] [--warmup 40] [--pids API_PID,POSTMASTER_PID]
///     [--mix 60,15,15,10]  (percent of whole-case GETs, list pages, POSTs and PUTs)
/// dotnet run --project tests/Registry.Load -c Release -- replica-writes --url URL [--analytics-url URL] --connection "Host=..." [--seconds 20] [--warmup 20] [--writers 8] [--analysts 4]
/// dotnet run --project tests/Registry.Load -c Release -- ingest --connection "Host=..." --url http://127.0.0.1:5092 --cases 2000 [--rounds 3] [--key KEY]
/// dotnet run --project tests/Registry.Load -c Release -- time-to-improvement --connection "Host=..." --url http://127.0.0.1:5080 [--calls 15]
/// dotnet run --project tests/Registry.Load -c Release -- ingest --connection "Host=..." --url URL --cases 20000 --stream-mb 1024 --pid API_PID
/// dotnet run --project tests/Registry.Load -c Release -- bulkdata --connection "Host=..." --url URL --pid API_PID [--types Encounter,Patient]
/// </summary>
public static class LoadTool
{
    public static async Task<int> Main(string[] args)
    {
        string Option(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

        switch (args.FirstOrDefault())
        {
            case "generate":
            {
                var connection = Option("--connection", Environment.GetEnvironmentVariable("ConnectionStrings__Registry") ?? "");
                if (connection == "") { Log("give --connection or ConnectionStrings__Registry"); return 2; }
                await using var db = NpgsqlDataSource.Create(Generator.WithoutCommandTimeout(connection));
                await new Registry.Api.Data.Migrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<Registry.Api.Data.Migrator>.Instance).MigrateAsync();
                var elapsed = await Generator.GenerateAsync(db, int.Parse(Option("--cases", "10000")), int.Parse(Option("--seed", "42")),
                    args.Contains("--force"), Log);
                Log($"done in {elapsed.TotalSeconds:N1} s; run VACUUM ANALYZE before measuring");
                return 0;
            }
            case "bench":
                return await Bench.RunAsync(int.Parse(Option("--cases", "1000000")), int.Parse(Option("--small", "10000")),
                    Option("--out", "bench-results.md"), double.Parse(Option("--seconds", "10")), Option("--gc", "both"), Log);
            case "summary-authority":
                return await SummaryAuthority.RunAsync(int.Parse(Option("--cases", "2000")), int.Parse(Option("--singles", "300")),
                    int.Parse(Option("--rounds", "3")), int.Parse(Option("--pg-port", "57310")), Log);
            case "fhir":
                return await FhirRestBench.RunAsync(int.Parse(Option("--cases", "1000000")), int.Parse(Option("--small", "10000")),
                    double.Parse(Option("--seconds", "10")), int.Parse(Option("--pg-port", "56410")), int.Parse(Option("--api-port", "56411")),
                    Option("--out", "fhir-bench-results.md"), Log);
            case "fhir-read":
            {
                // The FHIR read (next to raw Npgsql) and search against an API already running on a generated database.
                await using var db = NpgsqlDataSource.Create(Option("--connection", ""));
                using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(Option("--url", "http://127.0.0.1:5080")) };
                api.DefaultRequestHeaders.Authorization = new("Bearer", Option("--key", Bench.DevelopmentAdminKey));
                return await FhirRestBench.AgainstRunningAsync(api, db, double.Parse(Option("--seconds", "10")), Log);
            }
            case "mixed":
            {
                // The bench's mixed CRUD load (wrk) against an API already running on a generated database.
                await using var db = NpgsqlDataSource.Create(Option("--connection", ""));
                await using var connection = await db.OpenConnectionAsync();
                var ids = (await Dapper.SqlMapper.QueryAsync<Guid>(connection, "SELECT id FROM cases TABLESAMPLE SYSTEM (1) LIMIT 20000")).ToArray();
                var hospitals = (await Dapper.SqlMapper.QueryAsync<Guid>(connection, "SELECT id FROM hospitals WHERE synthetic")).ToList();
                var run = await Bench.MixedCrudWithWrkAsync(new Uri(Option("--url", "http://127.0.0.1:5080")), ids, hospitals,
                    TimeSpan.FromSeconds(double.Parse(Option("--seconds", "20"))),
                    TimeSpan.FromSeconds(double.Parse(Option("--warmup", Bench.MixedWarmUp.TotalSeconds.ToString()))),
                    // On a shared machine: only the API's and this PostgreSQL's CPU, not every dotnet and postgres process.
                    Option("--pids", "") is { Length: > 0 } pids ? pids.Split(',').Select(int.Parse).ToHashSet() : null,
                    Mix.Parse(Option("--mix", "60,15,15,10")));
                var (m, cores) = (run.Load, Environment.ProcessorCount);
                Console.WriteLine($"{m.PerSecond:N0} requests/s ({m.PerSecond / cores:N0} per core), p50 {m.P50Ms:N1} ms, p99 {m.P99Ms:N1} ms, {m.Errors} errors");
                Console.WriteLine($"CPU per request: {run.CpuSummary()}; PostgreSQL alone caps this mix at {run.DatabaseCeiling(cores) / cores:N0} per core");
                return 0;
            }
            case ReplicaWrites.Name:
            {
                // An API already running with ConnectionStrings:RegistryRead on a replica; --connection is its primary.
                await using var db = NpgsqlDataSource.Create(Option("--connection", ""));
                await using var connection = await db.OpenConnectionAsync();
                var hospitals = (await Dapper.SqlMapper.QueryAsync<Guid>(connection, "SELECT id FROM hospitals WHERE synthetic")).ToList();
                HttpClient Client(string url) => new()
                {
                    BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2),
                    DefaultRequestHeaders = { Authorization = new("Bearer", Option("--key", Bench.DevelopmentAdminKey)) },
                };
                using var api = Client(Option("--url", "http://127.0.0.1:5080"));
                using var analyticsApi = Client(Option("--analytics-url", api.BaseAddress!.ToString()));
                await ReplicaWrites.RunAsync(api, analyticsApi, hospitals, int.Parse(Option("--writers", "8")), int.Parse(Option("--analysts", "4")),
                    TimeSpan.FromSeconds(double.Parse(Option("--seconds", "20"))), TimeSpan.FromSeconds(double.Parse(Option("--warmup", "20"))),
                    Console.WriteLine, Log);
                return 0;
            }
            case "ingest":
            {
                // A running API (its database is --connection); the development admin key unless --key is given.
                var connection = Option("--connection", "");
                var url = Option("--url", "");
                if (connection == "" || url == "") { Log("give --connection CS (the API's database) and --url of the running API"); return 2; }
                var key = Option("--key", "hfs_devadmin_development-only-admin-key");
                var cases = int.Parse(Option("--cases", "2000"));
                return Option("--stream-mb", "") is { Length: > 0 } megabytes
                    ? await Ingest.StreamAsync(connection, url, key, cases, long.Parse(megabytes), int.Parse(Option("--pid", "0")), Log)
                    : await Ingest.CompareAsync(connection, url, key, cases, int.Parse(Option("--rounds", "1")), Log);
            }
            case "bulkdata":
            {
                // The bench's FHIR Bulk Data export step against a running API (its database is --connection, its process --pid).
                await using var db = NpgsqlDataSource.Create(Option("--connection", ""));
                var pid = int.Parse(Option("--pid", "0"));
                using var client = new HttpClient { BaseAddress = new Uri(Option("--url", "http://127.0.0.1:5080")), Timeout = TimeSpan.FromHours(2) };
                client.DefaultRequestHeaders.Authorization = new("Bearer", Option("--key", Bench.DevelopmentAdminKey));
                foreach (var line in await BulkDataExport.RunAsync(client, db, () => ApiProcess.RssKb(pid) / 1024.0, Option("--types", ""), Log))
                    Console.WriteLine(line);
                return 0;
            }
            case TimeToImprovementBench.Name:
            {
                // The bench's time-to-improvement step against an API already running on a generated database.
                await using var db = NpgsqlDataSource.Create(Option("--connection", ""));
                using var api = new HttpClient { BaseAddress = new Uri(Option("--url", "http://127.0.0.1:5080")), Timeout = TimeSpan.FromMinutes(10) };
                api.DefaultRequestHeaders.Authorization = new("Bearer", Option("--key", Bench.DevelopmentAdminKey));
                await TimeToImprovementBench.RunAsync(api, db, int.Parse(Option("--calls", "15")), Console.WriteLine, Log);
                return 0;
            }
            default:
                Console.Error.WriteLine("usage: generate --connection CS --cases N [--seed S] [--force] | bench [--cases N] [--small N] [--seconds S] [--out FILE]" +
                    " | ingest --connection CS --url URL [--cases N] [--rounds R] [--key K] [--stream-mb MB --pid API_PID]" +
                    " | mixed --connection CS --url URL [--seconds S] [--warmup S] [--pids API_PID,POSTMASTER_PID] [--mix GET,LIST,POST,PUT] | bulkdata --connection CS --url URL --pid API_PID [--types T,U]" +
                    " | fhir-read --connection CS --url URL [--seconds S]" +
                    " | time-to-improvement --connection CS --url URL [--calls N]" +
                    " | replica-writes --connection CS --url URL [--seconds S] [--warmup S] [--writers N] [--analysts N]");
                return 2;
        }
    }
}
