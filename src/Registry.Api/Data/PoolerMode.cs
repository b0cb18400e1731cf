using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// What stands between the API and PostgreSQL on the primary connection string (<c>Registry:Database:Pooler</c>).
/// <c>none</c> (default): a direct connection, HAProxy, or pgbouncer in session mode. <c>pgbouncer-transaction</c>:
/// pgbouncer in transaction mode, where a server connection changes hands after every transaction, so the API turns
/// off what needs a session — auto-prepared statements (otherwise <c>26000 prepared statement "_auto0" does not
/// exist</c>), the reset on close — and takes its session advisory locks on <c>ConnectionStrings:RegistryDirect</c>.
/// Statement mode cannot run the API's multi-statement transactions and is refused at start-up.
/// </summary>
public sealed record PoolerMode(string Name, bool NeedsDirectConnection)
{
    public const string Setting = "Registry:Database:Pooler";
    public static readonly PoolerMode None = new("none", false);
    public static readonly PoolerMode PgbouncerTransaction = new("pgbouncer-transaction", true);

    public static PoolerMode From(IConfiguration configuration)
    {
        var value = configuration[Setting]?.Trim().ToLowerInvariant();
        return value switch
        {
            null or "" or "none" or "pgbouncer-session" => None,
            "pgbouncer-transaction" => PgbouncerTransaction,
            "pgbouncer-statement" => throw new StartupConfigurationException(
                $"{Setting} is 'pgbouncer-statement': the API cannot use a statement-mode pooler, because every write is a " +
                "transaction of several statements. Use pgbouncer in transaction mode (pgbouncer-transaction) or session mode (none)."),
            _ => throw new StartupConfigurationException(
                $"{Setting} is '{configuration[Setting]}', which the API does not know. Use 'none' (direct, HAProxy, or a " +
                "session-mode pooler) or 'pgbouncer-transaction'."),
        };
    }

    /// <summary>Turns off, for this pooler, what needs a session; refuses a connection string that asks for it.</summary>
    public void Apply(string connectionString, NpgsqlConnectionStringBuilder settings)
    {
        if (this != PgbouncerTransaction) return;
        var asked = new NpgsqlConnectionStringBuilder(connectionString).MaxAutoPrepare;
        if (asked > 0)
            throw new StartupConfigurationException(
                $"{Setting} is 'pgbouncer-transaction' but ConnectionStrings:Registry sets Max Auto Prepare={asked}: " +
                "prepared statements do not survive a transaction-mode pooler. Remove it from the connection string.");
        settings.MaxAutoPrepare = 0;
        settings.NoResetOnClose = true;
    }
}
