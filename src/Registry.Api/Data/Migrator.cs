using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// Applies the embedded Data/Migrations/*.sql files in name order, each in its own transaction, recording
/// them in schema_migrations, as the role that owns the schema. The start-up lock (a session-level advisory lock,
/// also held by Startup/DatabaseStartup for the whole start-up) makes concurrent starts take turns, so several
/// instances starting against one empty database apply each file exactly once. No time limit applies here: a
/// migration may rewrite a large table, and an instance waits for another's migration to finish.
/// </summary>
public sealed class Migrator(NpgsqlDataSource ownerDataSource, ILogger<Migrator> logger)
{
    private const long StartupLockKey = 0x4846_5352_6567; // "HFSReg"

    /// <summary>Migrates on a connection of its own, under the start-up lock.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await ownerDataSource.OpenConnectionAsync(cancellationToken);
        await using (await HoldStartupLockAsync(connection, cancellationToken))
            await ApplyAsync(connection, cancellationToken);
    }

    /// <summary>
    /// Takes the start-up lock on this owner connection (waiting for any other instance's start-up), with no statement
    /// time limit while it is held; disposing the result gives both back.
    /// </summary>
    public static async Task<IAsyncDisposable> HoldStartupLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await Execute(connection, null, "SET statement_timeout = 0", cancellationToken);
        await Execute(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", StartupLockKey));
        return new StartupLock(connection);
    }

    private sealed class StartupLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // A broken connection has lost the lock already (PostgreSQL releases it with the session).
            if (connection.State != System.Data.ConnectionState.Open) return;
            await Execute(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", StartupLockKey));
            await Execute(connection, null, "RESET statement_timeout", CancellationToken.None);
        }
    }

    /// <summary>Applies what is missing, on a connection that holds the start-up lock.</summary>
    public async Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
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
