using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// Applies the embedded Data/Migrations/*.sql files in name order, each in its own transaction, recording
/// them in schema_migrations. A session-level advisory lock makes concurrent starts take turns, so
/// several instances starting against one empty database apply each file exactly once. No time limit applies
/// here: a migration may rewrite a large table, and an instance waits for another's migration to finish.
/// </summary>
public sealed class Migrator([FromKeyedServices(RegistryDataSources.Session)] NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    private const long LockKey = 0x4846_5352_6567; // "HFSReg"

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, null, "SET statement_timeout = 0", cancellationToken);
        await Execute(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", LockKey));
        try
        {
            await Execute(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var applied = new HashSet<string>();
            await using (var read = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetString(0));

            foreach (var (version, sql) in Scripts().Where(s => !applied.Contains(s.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await Execute(connection, transaction, sql, cancellationToken);
                await Execute(connection, transaction, "INSERT INTO schema_migrations (version) VALUES (@version)",
                    cancellationToken, ("version", version));
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version}", version);
            }
        }
        finally
        {
            await Execute(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", LockKey));
            await Execute(connection, null, "RESET statement_timeout", CancellationToken.None);
        }
    }

    public static IEnumerable<(string Version, string Sql)> Scripts()
    {
        var assembly = typeof(Migrator).Assembly;
        const string prefix = "Registry.Api.Data.Migrations.";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (name[prefix.Length..^".sql".Length], reader.ReadToEnd());
        }
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
