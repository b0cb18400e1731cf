using System.Diagnostics;
using Npgsql;
using Registry.Api.Bulk;
using Registry.Tests.Infrastructure;

namespace Registry.Load;

/// <summary>
/// Who should keep a case's summary columns (drugs, final outcome, first improvement day): the writer (C#), the
/// database's commit-time triggers on medications and outcomes (migrations 0014, 0021), or both as before 0044.
/// Times the database side of the two writes that differ — a bulk chunk of whole cases, and one whole case per
/// transaction as POST /cases commits it — under each choice, alternating the choices round by round on one database
/// (the API's own work, identical under each, is left out). The triggers are switched off for the "writer only"
/// rounds, so this runs against a build that still has them (e.g. 05cad97, before migration 0044 dropped them):
/// dotnet run --project tests/Registry.Load -c Release -- summary-authority [--cases 2000] [--singles 300] [--rounds 3] [--pg-port 57310]
/// </summary>
public static class SummaryAuthority
{
    private enum Choice { Both, WriterOnly, TriggerOnly }

    public static async Task<int> RunAsync(int chunk, int singles, int rounds, int port, Action<string> log)
    {
        await using var cluster = PostgresCluster.Start(settings: Bench.TunedSettings, port: port);
        var connectionString = cluster.ConnectionStringFor("postgres");
        await using var db = NpgsqlDataSource.Create(connectionString);
        await new Registry.Api.Data.Migrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<Registry.Api.Data.Migrator>.Instance).MigrateAsync();
        await using (var probe = db.CreateCommand("SELECT count(*) FROM pg_trigger WHERE tgname = 'medications_refresh_case'"))
            if ((long)(await probe.ExecuteScalarAsync())! == 0)
            {
                log("migration 0044 dropped the summary triggers: run this at a commit before it (git log -- tests/Registry.Load/SummaryAuthority.cs)");
                return 2;
            }
        log("generating 50,000 background cases");
        await Generator.GenerateAsync(db, 50_000, 42, force: false, log, chunk: 10_000);
        await using (var connection = await db.OpenConnectionAsync()) await Generator.Exec(connection, "VACUUM ANALYZE");

        var synth = new SyntheticCases(7);
        var hospitals = await Generator.HospitalsAsync(db, synth);
        var serial = 10_000_000L;
        List<SynthCase> Fresh(int n) => [.. Enumerable.Range(0, n).Select(_ => synth.Next(synth.PickHospital(hospitals), serial++, DateTime.UtcNow))];

        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start");
        Console.WriteLine("| round | summary kept by | bulk chunk cases/s | one case per transaction: mean ms | p50 ms | p90 ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var round = 1; round <= rounds; round++)
            foreach (var choice in round % 2 == 1 ? Enum.GetValues<Choice>() : Enum.GetValues<Choice>().Reverse())
            {
                await SwitchTriggersAsync(db, on: choice != Choice.WriterOnly);
                var filled = choice != Choice.TriggerOnly;
                var bulk = Fresh(chunk);
                var clock = Stopwatch.StartNew();
                await WriteAsync(db, bulk, filled);
                var perSecond = chunk / clock.Elapsed.TotalSeconds;

                var latencies = new List<double>(singles);
                foreach (var one in Fresh(singles))
                {
                    clock.Restart();
                    await WriteAsync(db, [one], filled);
                    latencies.Add(clock.Elapsed.TotalMilliseconds);
                }
                latencies.Sort();
                Console.WriteLine($"| {round} | {Name(choice)} | {perSecond:N0} | {latencies.Average():N2} | {latencies[latencies.Count / 2]:N2} | {latencies[latencies.Count * 9 / 10]:N2} |");
                await CheckAsync(db, [.. bulk.Select(c => c.Id)], choice);
            }
        await SwitchTriggersAsync(db, on: true);
        return 0;
    }

    private static string Name(Choice choice) => choice switch
    {
        Choice.Both => "both (writer fills, trigger checks at commit)",
        Choice.WriterOnly => "writer only (triggers off)",
        _ => "trigger only (writer leaves them empty)",
    };

    /// <summary>One transaction, as the bulk route and POST /cases commit: the rows by COPY, the history triggers on.</summary>
    private static async Task WriteAsync(NpgsqlDataSource db, IReadOnlyList<SynthCase> cases, bool filled)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var rows = cases.Select(c => c.ToRows(withSummary: filled)).ToList();
        await ChunkCopy.WriteAsync(connection, [.. rows.Select(r => r.Patient)], [.. rows.Select(r => r.Case)], audit: []);
        await tx.CommitAsync();
    }

    private static async Task SwitchTriggersAsync(NpgsqlDataSource db, bool on)
    {
        await using var connection = await db.OpenConnectionAsync();
        var action = on ? "ENABLE" : "DISABLE";
        await Generator.Exec(connection, $"ALTER TABLE medications {action} TRIGGER medications_refresh_case; ALTER TABLE outcomes {action} TRIGGER outcomes_refresh_case");
    }

    /// <summary>Every choice must have stored the summary its children imply; a wrong figure for a wrong result is worthless.</summary>
    private static async Task CheckAsync(NpgsqlDataSource db, Guid[] ids, Choice choice)
    {
        await using var cmd = db.CreateCommand("""
            SELECT count(*) FROM cases c WHERE c.id = ANY($1) AND (c.drugs, c.final_outcome_day)
              IS DISTINCT FROM (ARRAY(SELECT DISTINCT drug FROM medications m WHERE m.case_id = c.id ORDER BY 1),
                                (SELECT day FROM outcomes o WHERE o.case_id = c.id ORDER BY day DESC, ordinal DESC, id DESC LIMIT 1))
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids });
        var wrong = (long)(await cmd.ExecuteScalarAsync())!;
        if (wrong > 0) throw new InvalidOperationException($"{wrong} cases stored a wrong summary under '{Name(choice)}'");
    }
}
