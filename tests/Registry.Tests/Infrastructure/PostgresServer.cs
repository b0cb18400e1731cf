using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registry.Api.Data;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the suite runs against, started once per run and removed when the run ends: the one
/// named by REGISTRY_TEST_ADMIN_CONNECTION when set; otherwise a <see cref="PostgresContainer"/> when a Docker
/// engine answers; otherwise a throwaway <see cref="PostgresCluster"/> from the machine's own binaries. The run's
/// output says which. It holds a migrated template database that each test class clones, so classes never see
/// each other's rows. As deployments do, the admin login owns the schema (and migrates it), and the API's requests log
/// in as the unprivileged role registry_api (<see cref="ApiConnectionStringFor"/>).
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

    public const string ApiRole = "registry_api";
    private const string ApiPassword = "registry_api-test-only";

    /// <summary>The connection the API's requests use: the registry_api login, which owns nothing and bypasses no policy.</summary>
    public string ApiConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionStringFor(database)) { Username = ApiRole, Password = ApiPassword }.ConnectionString;

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
        var server = new PostgresServer(await StartServerAsync());
        // Before the migrations, which create the role only when it is missing (NOLOGIN, for a superuser to SET ROLE to).
        await server.ExecuteAsync($$"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{{ApiRole}}') THEN CREATE ROLE {{ApiRole}}; END IF;
            END $$;
            ALTER ROLE {{ApiRole}} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{{ApiPassword}}';
            """);

        await server.DropDatabaseAsync(TemplateDatabase);
        var template = await server.CreateDatabaseAsync(TemplateDatabase, fromTemplate: false);
        await using (var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(template) { Pooling = false }.ConnectionString))
            await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        return server;
    }

    private static async Task<string> StartServerAsync()
    {
        var given = Environment.GetEnvironmentVariable("REGISTRY_TEST_ADMIN_CONNECTION");
        if (!string.IsNullOrWhiteSpace(given))
        {
            TestLog.Write("PostgreSQL: the server named by REGISTRY_TEST_ADMIN_CONNECTION");
            return given;
        }

        // CI sets REGISTRY_TEST_REQUIRE_DOCKER=1 after starting an engine: a silent fallback would leave the
        // Testcontainers path untested.
        var requireDocker = Environment.GetEnvironmentVariable("REGISTRY_TEST_REQUIRE_DOCKER") == "1";
        string why;
        if (PostgresContainer.DockerAnswers)
        {
            try
            {
                var connection = await PostgresContainer.StartAsync();
                TestLog.Write($"PostgreSQL: Testcontainers, image {PostgresContainer.Image}, port {new NpgsqlConnectionStringBuilder(connection).Port}");
                return connection;
            }
            catch (Exception e) when (!requireDocker)
            {
                why = $"a Docker engine answers but the container did not start ({e.GetType().Name}: {e.Message})";
            }
        }
        else why = "no Docker engine answers";

        if (requireDocker)
            throw new InvalidOperationException($"REGISTRY_TEST_REQUIRE_DOCKER=1 but {why}; not falling back to local binaries.");
        var cluster = PostgresCluster.Start();
        TestLog.Write($"PostgreSQL: {why}; a throwaway cluster from local binaries, port {cluster.Port}");
        return cluster.AdminConnectionString;
    }
}
