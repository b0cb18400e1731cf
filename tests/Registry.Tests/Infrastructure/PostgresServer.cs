using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registry.Api.Data;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the suite runs against: the one named by REGISTRY_TEST_ADMIN_CONNECTION when set,
/// otherwise a throwaway cluster started once per run from the machine's own binaries (random port,
/// temporary directory, fsync off) and removed when the run ends. It holds a migrated template database
/// that each test class clones, so classes never see each other's rows.
/// </summary>
public sealed class PostgresServer
{
    public const string TemplateDatabase = "registry_template";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private readonly NpgsqlConnectionStringBuilder _admin;

    private PostgresServer(string adminConnectionString) =>
        _admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false };

    public static Task<PostgresServer> InstanceAsync() => Shared.Value;

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(_admin.ConnectionString) { Database = database, Pooling = true }.ConnectionString;

    public async Task<string> CreateDatabaseAsync(string name, bool fromTemplate = true)
    {
        await ExecuteAsync($"""CREATE DATABASE "{name}" {(fromTemplate ? $"TEMPLATE {TemplateDatabase}" : "")}""");
        return ConnectionStringFor(name);
    }

    public Task DropDatabaseAsync(string name) => ExecuteAsync($"""DROP DATABASE IF EXISTS "{name}" WITH (FORCE)""");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable("REGISTRY_TEST_ADMIN_CONNECTION");
        var server = new PostgresServer(string.IsNullOrWhiteSpace(given) ? await ThrowawayCluster.StartAsync() : given);

        await server.DropDatabaseAsync(TemplateDatabase);
        var template = await server.CreateDatabaseAsync(TemplateDatabase, fromTemplate: false);
        await using (var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(template) { Pooling = false }.ConnectionString))
            await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        return server;
    }

    private static class ThrowawayCluster
    {
        public static async Task<string> StartAsync()
        {
            var bin = FindBinaries();
            var root = Directory.CreateTempSubdirectory("hfs-registry-pg-").FullName;
            var data = Path.Combine(root, "data");
            var asRoot = Environment.UserName == "root";
            if (asRoot) Run("chown", ["-R", "postgres:postgres", root]);

            RunAsPostgres(asRoot, Path.Combine(bin, "initdb"),
                ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
            var port = FreePort();
            RunAsPostgres(asRoot, Path.Combine(bin, "pg_ctl"),
            [
                "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start", "-o",
                $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
                "-c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB",
            ]);

            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    RunAsPostgres(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
                    Directory.Delete(root, recursive: true);
                }
                catch (Exception) { /* best effort at exit */ }
            };
            await Task.CompletedTask;
            return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
        }

        private static string FindBinaries()
        {
            var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")));
            if (onPath is not null) return onPath;
            var debian = Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                    .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
                : null;
            return debian ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) not found. Install Debian's 'postgresql' package, " +
                "or set REGISTRY_TEST_ADMIN_CONNECTION to a server's admin connection string.");
        }

        private static void RunAsPostgres(bool asRoot, string file, string[] args)
        {
            if (asRoot) Run("runuser", ["-u", "postgres", "--", file, .. args]);
            else Run(file, args);
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
}
