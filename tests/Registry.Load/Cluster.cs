using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Registry.Load;

/// <summary>A throwaway PostgreSQL 15 cluster in a temp directory on a random port (as the postgres user when root).</summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly string _bin, _root, _data;
    public int Port { get; }
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    private Cluster(string bin, string root, int port) { _bin = bin; _root = root; _data = Path.Combine(root, "data"); Port = port; }

    /// <param name="fixedPort">A port to use (e.g. inside a range agreed on a shared machine); a free one when null.</param>
    public static Cluster Start(Action<string> log, int? fixedPort = null)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb"))) ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql");
        var root = Directory.CreateTempSubdirectory("hfs-bench-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", ["-R", "postgres:postgres", root], false);
        var listener = new TcpListener(IPAddress.Loopback, 0); listener.Start();
        var port = fixedPort ?? ((IPEndPoint)listener.LocalEndpoint).Port; listener.Stop();
        var cluster = new Cluster(bin, root, port);
        Run(Path.Combine(bin, "initdb"), ["-D", cluster._data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], asRoot);
        // A server configured as one would for this machine (24 GiB, 2 cores), durable writes off only in the
        // sense of synchronous_commit=off (the WAL is still fsynced in the background).
        Run(Path.Combine(bin, "pg_ctl"), ["-D", cluster._data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "120", "start", "-o",
            $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c shared_buffers=4GB -c effective_cache_size=16GB " +
            "-c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB -c synchronous_commit=off -c max_connections=200 " +
            "-c max_parallel_workers_per_gather=2 -c jit=off -c random_page_cost=1.1 -c effective_io_concurrency=200"], asRoot);
        log($"PostgreSQL {bin} on 127.0.0.1:{port}, data in {root}");
        return cluster;
    }

    public ValueTask DisposeAsync()
    {
        try { Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "fast", "-w", "stop"], Environment.UserName == "root"); } catch { }
        try { Directory.Delete(_root, true); } catch { }
        return ValueTask.CompletedTask;
    }

    private static void Run(string file, string[] args, bool asPostgres)
    {
        var psi = asPostgres ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(); var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {error.Result}{output.Result}");
    }
}
