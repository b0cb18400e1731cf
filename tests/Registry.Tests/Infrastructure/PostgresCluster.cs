using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster run from the machine's own binaries (initdb/pg_ctl, from Debian's postgresql
/// package, installed first when missing; as the postgres user when the tests run as root): a temporary directory,
/// a random port on 127.0.0.1, fsync off. It can be stopped (immediate stop = a crash, as far as clients see) and
/// started again on the same data directory and port, which is what outage tests need. Disposing stops it and deletes its directory; a cluster still running when
/// the process exits is stopped then.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly bool _asRoot = Environment.UserName == "root";
    private readonly string _settings;
    private int _disposed;

    private PostgresCluster(string bin, string root, int port, string settings)
    {
        _bin = bin;
        _root = root;
        _data = Path.Combine(root, "data");
        Port = port;
        _settings = settings;
    }

    public int Port { get; }

    public bool IsRunning { get; private set; }

    /// <summary>The superuser connection string (database postgres, trust authentication).</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    /// <summary>Creates a new cluster in a temporary directory and starts it.</summary>
    /// <param name="durableCommits">
    /// Keep synchronous_commit on, so a commit the server acknowledged survives <see cref="Stop"/> in immediate
    /// mode. Off (the fast default), the last commits before a crash are lost by design, which a crash test
    /// would mistake for the API acknowledging writes it never stored. fsync stays off either way: a killed
    /// server's writes are still in the operating system's cache.
    /// </param>
    /// <param name="settings">
    /// The server's settings (postgres -c options) instead of the tests' fast, crash-unsafe ones: the benchmark
    /// (tests/Registry.Load, which links this file) runs a server tuned as for production.
    /// </param>
    /// <param name="port">A port to use (e.g. inside a range agreed on a shared machine); a free one when null.</param>
    public static PostgresCluster Start(bool durableCommits = false, string? settings = null, int? port = null)
    {
        var bin = FindBinaries();
        var root = Directory.CreateTempSubdirectory("hfs-registry-pg-").FullName;
        settings ??= $"-c fsync=off -c synchronous_commit={(durableCommits ? "on" : "off")} -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB";
        var cluster = new PostgresCluster(bin, root, port ?? FreePort(), settings);
        if (cluster._asRoot) Run("chown", ["-R", "postgres:postgres", root]);
        cluster.RunPgTool("initdb", ["-D", cluster._data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeQuietly();
        cluster.StartAgain();
        return cluster;
    }

    /// <summary>Starts the server on its data directory and port, waiting until it accepts connections.</summary>
    public void StartAgain()
    {
        RunPgTool("pg_ctl",
        [
            "-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "120", "start", "-o",
            $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 {_settings}",
        ]);
        IsRunning = true;
    }

    /// <summary>
    /// Stops the server. Immediate mode ends every backend at once without a checkpoint, as a crash would:
    /// open connections break mid-query and the next start runs crash recovery.
    /// </summary>
    public void Stop(bool immediate = false)
    {
        RunPgTool("pg_ctl", ["-D", _data, "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "stop"]);
        IsRunning = false;
    }

    /// <summary>
    /// Freezes the server (SIGSTOP to the postmaster and every backend): connections stay open and new ones are
    /// still accepted by the kernel, but nothing answers, as with a server that hangs rather than crashes.
    /// </summary>
    public void Freeze() => Signal(SigStop);

    private const int SigStop = 19, SigCont = 18; // Linux

    /// <summary>Undoes <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal(SigCont);

    private void Signal(int signal)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(_data, "postmaster.pid")).First().Trim());
        foreach (var pid in ChildrenOf(postmaster).Append(postmaster))
            if (kill(pid, signal) != 0 && Marshal.GetLastPInvokeError() != 3 /* ESRCH: it ended meanwhile */)
                throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The processes whose parent is <paramref name="parent"/>, from /proc (no procps on a minimal machine).</summary>
    private static IEnumerable<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => (Pid: int.Parse(name!), Stat: ReadStat(name!)))
            // /proc/PID/stat: "pid (comm) state ppid ...", comm may hold spaces, so read after its closing parenthesis.
            .Where(p => p.Stat is { } stat && int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) == parent)
            .Select(p => p.Pid).ToList();

    private static string? ReadStat(string pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; } // ended meanwhile
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>The server's log, for a failing test's message.</summary>
    public string ReadLog()
    {
        try { return File.ReadAllText(Path.Combine(_root, "server.log")); }
        catch (IOException) { return ""; }
    }

    public ValueTask DisposeAsync()
    {
        DisposeQuietly();
        return ValueTask.CompletedTask;
    }

    private void DisposeQuietly()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (IsRunning) Stop(immediate: true);
        }
        catch (Exception) { /* best effort: the directory goes anyway */ }
        try { Directory.Delete(_root, recursive: true); }
        catch (Exception) { /* best effort */ }
    }

    private void RunPgTool(string tool, string[] args)
    {
        var file = Path.Combine(_bin, tool);
        if (_asRoot) Run("runuser", ["-u", "postgres", "--", file, .. args]);
        else Run(file, args);
    }

    private static string FindBinaries() =>
        LocateBinaries() ?? InstallBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) not found after installing Debian's 'postgresql' package.");

    private static string? InstallBinaries()
    {
        DebianPackages.Install("postgresql", "no PostgreSQL server binaries (initdb, pg_ctl) on this machine");
        return LocateBinaries();
    }

    private static string? LocateBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")));
        if (onPath is not null) return onPath;
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        return debian;
    }

    private static void Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error.Result}{output.Result}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
