using Npgsql;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Startup;

/// <summary>
/// Refuses to start when requests would not run as an unprivileged role: every request connection switches to its
/// caller's role, registry_admin, registry_analyst or registry_hospital (Data/CallerSettings, migration 0041), which
/// must own nothing, be no superuser and not bypass row-level security.
/// A login that is a superuser is downgraded that way and logged; a login that may not switch is a clear error.
/// </summary>
public static class RequestRole
{
    public static async Task CheckAsync(CallerDataSource connections, ILogger logger, CancellationToken ct)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await connections.OpenConnectionAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new InvalidOperationException(
                $"The login of ConnectionStrings:Registry may not act as the roles the API's requests run as " +
                $"({ex.MessageText}). Connect as {CallerSettings.ApiRole} (run.sh, docker-compose and the tests do), or GRANT " +
                $"{CallerSettings.ApiRole} TO that login. See README, Security model.", ex);
        }
        await using (connection)
        {
            await using var command = new NpgsqlCommand("""
                SELECT session_user::text, current_user::text, r.rolsuper, r.rolbypassrls,
                       EXISTS (SELECT FROM pg_class WHERE relowner = r.oid) AS owns,
                       (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS login_is_superuser
                FROM pg_roles r WHERE r.rolname = current_user
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (login, role, super, bypass, owns, loginIsSuper) = (reader.GetString(0), reader.GetString(1),
                reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetBoolean(5));
            if (super || bypass || owns)
                throw new InvalidOperationException(
                    $"The API's requests would run as '{role}', which {(super ? "is a superuser" : bypass ? "has BYPASSRLS" : "owns tables")}: " +
                    $"row-level security would not bind it. Make {role} NOSUPERUSER NOBYPASSRLS, owning nothing.");
            if (loginIsSuper)
                logger.LogWarning(
                    "ConnectionStrings:Registry logs in as the superuser '{Login}': each request connection is downgraded to '{Role}' " +
                    "with SET ROLE. Prefer logging in as {Role} itself (README, Security model).", login, role, role);
        }
    }
}
