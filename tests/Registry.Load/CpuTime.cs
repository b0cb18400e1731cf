namespace Registry.Load;

/// <summary>
/// CPU time spent by the machine's processes during a load, by command name, from /proc/PID/stat: how a load's CPU
/// divides between the API (`dotnet`), PostgreSQL (`postgres`) and the load tool (`wrk`). Linux only.
/// On a shared machine, <paramref name="only"/> restricts it to these processes and their children (the API's pid
/// and the postmaster's, whose backends are its children); otherwise every process counts.
/// </summary>
public sealed class CpuTime(IReadOnlySet<int>? only = null)
{
    /// <summary>USER_HZ: the unit of the user and system times in /proc/PID/stat, 100 on Linux.</summary>
    private const double TicksPerSecond = 100;

    private readonly Dictionary<int, Sample> _start = Read(only);

    private sealed record Sample(string Name, long Ticks, int Parent);

    /// <summary>Seconds of CPU each command name used since this was created; processes started since count whole.</summary>
    public Dictionary<string, double> SecondsByName()
    {
        var now = Read(only);
        var used = new Dictionary<string, double>();
        foreach (var (pid, sample) in now)
        {
            var since = sample.Ticks - (_start.TryGetValue(pid, out var before) && before.Name == sample.Name ? before.Ticks : 0);
            used[sample.Name] = used.GetValueOrDefault(sample.Name) + since / TicksPerSecond;
        }
        // A child of a named process that ended meanwhile: its whole life is now in the parent's reaped-children time,
        // so take off what it had used before.
        foreach (var (pid, gone) in _start.Where(p => !now.ContainsKey(p.Key) && only?.Contains(p.Value.Parent) == true))
            used[gone.Name] = used.GetValueOrDefault(gone.Name) - gone.Ticks / TicksPerSecond;
        return used;
    }

    private static Dictionary<int, Sample> Read(IReadOnlySet<int>? only)
    {
        var processes = new Dictionary<int, Sample>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(directory, "stat")); }
            catch (IOException) { continue; } // the process ended meanwhile
            catch (UnauthorizedAccessException) { continue; }
            // "pid (name) state ppid ...": the name may hold spaces and parentheses, so split after its last ')'.
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            var parent = int.Parse(fields[1]);
            if (only is not null && !only.Contains(pid) && !only.Contains(parent)) continue;
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime + stime
            // cutime + cstime: the children it has reaped. Only for a named process: with every process counted, a
            // parent's reaped children would count twice (a shell's, say).
            if (only is not null && only.Contains(pid)) ticks += long.Parse(fields[13]) + long.Parse(fields[14]);
            processes[pid] = new Sample(stat[(open + 1)..close], ticks, parent);
        }
        return processes;
    }
}
