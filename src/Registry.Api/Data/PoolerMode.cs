namespace Registry.Api.Data;

/// <summary>
/// What stands between the API and PostgreSQL (<c>Registry:Database:Pooler</c>). <c>none</c> (default): a direct
/// connection or HAProxy; <c>pgbouncer-session</c>: pgbouncer in session mode. Both give each of the API's connections
/// one server session, which row-level security needs: every connection says once who its caller is
/// (Data/CallerSettings), and Npgsql resets that when the connection goes back to its pool. A transaction- or
/// statement-mode pooler hands the server session to another client after each transaction, so one hospital's
/// request could run with another's caller: refused at start-up.
/// </summary>
public static class PoolerMode
{
    public const string Setting = "Registry:Database:Pooler";

    public static void Check(IConfiguration configuration)
    {
        var value = configuration[Setting]?.Trim().ToLowerInvariant();
        switch (value)
        {
            case null or "" or "none" or "pgbouncer-session":
                return;
            case "pgbouncer-transaction" or "pgbouncer-statement":
                throw new StartupConfigurationException(
                    $"{Setting} is '{configuration[Setting]}': the API cannot run behind a transaction- or statement-mode pooler. " +
                    "Row-level security binds each server session to one caller (the role and hospital it sets when a " +
                    "connection opens), and such a pooler hands that session to other clients between transactions. " +
                    "Run pgbouncer with pool_mode = session (Registry:Database:Pooler=pgbouncer-session), or connect directly / through HAProxy.");
            default:
                throw new StartupConfigurationException(
                    $"{Setting} is '{configuration[Setting]}', which the API does not know. Use 'none' (direct or HAProxy) " +
                    "or 'pgbouncer-session' (pgbouncer with pool_mode = session).");
        }
    }
}
