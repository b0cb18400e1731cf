using Dapper;
using Npgsql;
using Registry.Api.Analytics;
using Registry.Api.Data;

namespace Registry.Load;

/// <summary>
/// The bench step "time-to-improvement": GET /api/v1/analytics/time-to-improvement over all cases against the SQL it
/// runs (TimeToImprovementQuery.Sql), called in turn in the same run; then groupBy=combination and the SVG plot.
/// Part of `bench`, and on its own: `time-to-improvement --connection CS --url URL` against a running API.
/// </summary>
public static class TimeToImprovementBench
{
    public const string Name = "time-to-improvement";

    public static async Task RunAsync(HttpClient api, NpgsqlDataSource db, int calls, Action<string> line, Action<string> log)
    {
        log($"{Name}: {calls} calls each, API and SQL in turn");
        var cases = await (await db.OpenConnectionAsync()).ExecuteScalarAsync<long>("SELECT count(*) FROM cases");
        var (sql, parameters) = TimeToImprovementQuery.Sql(new TimeToImprovementParameters(), Registry.Api.Data.Caller.System);
        var (apiP50, sqlP50) = await Load.InterleavedAsync(calls,
            async () => (await api.GetAsync("/api/v1/analytics/time-to-improvement")).IsSuccessStatusCode,
            async () =>
            {
                await using var connection = await db.OpenConnectionAsync();
                return (await connection.QueryAsync(sql, parameters)).Any();
            });
        var combination = await Load.SequentialAsync(calls, async _ => (await api.GetAsync("/api/v1/analytics/time-to-improvement?groupBy=combination")).IsSuccessStatusCode);
        var svg = await Load.SequentialAsync(calls, async _ => (await api.GetAsync("/api/v1/analytics/time-to-improvement?format=svg")).IsSuccessStatusCode);
        var filtered = await Load.SequentialAsync(calls, async _ => (await api.GetAsync("/api/v1/analytics/time-to-improvement?sex=female&minAge=40&maxAge=60")).IsSuccessStatusCode);

        line($"## Time to improvement (Kaplan–Meier) over all {cases:N0} cases, p50 of {calls} sequential requests (API and its SQL called in turn, after 3 unmeasured each)");
        line("");
        line("| report | API p50 | same SQL direct p50 | API / SQL | target ≤ 1.2× |");
        line("|---|---|---|---|---|");
        line($"| time-to-improvement per drug (no filter) | {apiP50:N0} ms | {sqlP50:N0} ms | {apiP50 / sqlP50:N2}× | {(apiP50 / sqlP50 <= 1.2 ? "met" : "missed")} |");
        line($"| time-to-improvement `groupBy=combination` | {combination.P50:N0} ms | | | |");
        line($"| time-to-improvement `sex=female&minAge=40&maxAge=60` | {filtered.P50:N0} ms | | | |");
        line($"| time-to-improvement `format=svg` | {svg.P50:N0} ms | | | |");
        line("");
        await using var explain = await db.OpenConnectionAsync();
        line("EXPLAIN (ANALYZE, BUFFERS) of the time-to-improvement SQL, per drug, no filter:");
        line("");
        line("```");
        foreach (var l in await explain.QueryAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters)) line(l);
        line("```");
        line("");
    }
}
