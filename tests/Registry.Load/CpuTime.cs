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

    private readonly Dictionary<int, (string Name, long Ticks)> _start = Read(only);

    /// <summary>Seconds of CPU each command name used since this was created; processes started since count whole.</summary>
    public Dictionary<string, double> SecondsByName()
    {
        var used = new Dictionary<string, double>();
        foreach (var (pid, (name, ticks)) in Read(only))
        {
            var since = ticks - (_start.TryGetValue(pid, out var before) && before.Name == name ? before.Ticks : 0);
            if (since > 0) used[name] = used.GetValueOrDefault(name) + since / TicksPerSecond;
        }
        return used;
    }

    private static Dictionary<int, (string Name, long Ticks)> Read(IReadOnlySet<int>? only)
    {
        var processes = new Dictionary<int, (string, long)>();
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
            if (only is not null && !only.Contains(pid) && !only.Contains(int.Parse(fields[1]))) continue; // fields[1]: the parent's pid
            processes[pid] = (stat[(open + 1)..close], long.Parse(fields[11]) + long.Parse(fields[12])); // utime + stime
        }
        return processes;
    }
}
