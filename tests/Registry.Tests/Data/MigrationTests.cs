using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registry.Api.Data;

namespace Registry.Tests.Data;

public sealed class MigrationTests
{
    [Fact]
    public async Task Instances_starting_at_once_on_an_empty_database_apply_each_migration_once()
    {
        var server = await PostgresServer.InstanceAsync();
        var name = $"migrate_{Guid.NewGuid():N}"[..20];
        var connectionString = await server.CreateDatabaseAsync(name, fromTemplate: false);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var migrators = Enumerable.Range(0, 4).Select(_ => new Migrator(dataSource, NullLogger<Migrator>.Instance));

            await Task.WhenAll(migrators.Select(m => Task.Run(() => m.MigrateAsync())));

            await using var command = dataSource.CreateCommand("SELECT version FROM schema_migrations ORDER BY version");
            var applied = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) applied.Add(reader.GetString(0));
            Assert.Equal(Migrator.Scripts().Select(s => s.Version), applied);
            Assert.Contains("0001_initial", applied);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.DropDatabaseAsync(name);
        }
    }
}
