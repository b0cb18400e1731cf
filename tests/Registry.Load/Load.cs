using System.Diagnostics;

namespace Registry.Load;

public sealed record Measurement(long Requests, long Errors, TimeSpan Duration, double P50Ms, double P99Ms)
{
    public double PerSecond => Requests / Duration.TotalSeconds;
}

/// <summary>N concurrent clients calling one operation as fast as they can for a fixed time; latencies from Stopwatch ticks.</summary>
public static class Load
{
    public static async Task<Measurement> RunAsync(int clients, TimeSpan duration, Func<int, long, Task<bool>> operation)
    {
        var latencies = new List<long>[clients];
        long errors = 0;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var mine = latencies[client] = new List<long>(100_000);
            long i = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                var start = Stopwatch.GetTimestamp();
                bool ok;
                try { ok = await operation(client, i++); } catch { ok = false; }
                mine.Add(Stopwatch.GetTimestamp() - start);
                if (!ok) Interlocked.Increment(ref errors);
            }
        })));
        clock.Stop();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Measurement(all.Length, errors, clock.Elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    /// <summary>One client, a fixed number of calls: the p50 of their latencies in ms.</summary>
    public static async Task<(double P50, double P99)> SequentialAsync(int calls, Func<long, Task<bool>> operation)
    {
        var ticks = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            if (!await operation(i)) throw new InvalidOperationException("a benchmark call failed");
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(ticks);
        return (Percentile(ticks, 0.5), Percentile(ticks, 0.99));
    }

    /// <summary>
    /// Two operations called in turn, one call at a time, after a few unmeasured calls of each: their p50s see the
    /// same moments of a shared machine, so their ratio is not one side's bad luck.
    /// </summary>
    public static async Task<(double P50A, double P50B)> InterleavedAsync(int calls, Func<Task<bool>> a, Func<Task<bool>> b)
    {
        for (var i = 0; i < 3; i++) { await a(); await b(); }
        var (ticksA, ticksB) = (new long[calls], new long[calls]);
        for (var i = 0; i < calls; i++)
        {
            ticksA[i] = await TimeAsync(a);
            ticksB[i] = await TimeAsync(b);
        }
        Array.Sort(ticksA);
        Array.Sort(ticksB);
        return (Percentile(ticksA, 0.5), Percentile(ticksB, 0.5));
    }

    private static async Task<long> TimeAsync(Func<Task<bool>> operation)
    {
        var start = Stopwatch.GetTimestamp();
        if (!await operation()) throw new InvalidOperationException("a benchmark call failed");
        return Stopwatch.GetTimestamp() - start;
    }

    private static double Percentile(long[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1000.0 / Stopwatch.Frequency;
}
