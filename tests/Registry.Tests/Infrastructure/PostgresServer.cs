using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registry.Api.Data;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the suite runs against: the one named by REGISTRY_TEST_ADMIN_CONNECTION when set,
/// otherwise a throwaway <see cref="PostgresCluster"/> started once per run and removed when the run ends. It
/// holds a migrated template database that each test class clones, so classes never see each other's rows.
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
        var server = new PostgresServer(string.IsNullOrWhiteSpace(given) ? PostgresCluster.Start().AdminConnectionString : given);

        await server.DropDatabaseAsync(TemplateDatabase);
        var template = await server.CreateDatabaseAsync(TemplateDatabase, fromTemplate: false);
        await using (var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(template) { Pooling = false }.ConnectionString))
            await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        return server;
    }
}
