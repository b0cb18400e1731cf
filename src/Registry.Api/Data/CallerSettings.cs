using System.Data;
using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Common;

namespace Registry.Api.Data;

/// <summary>
/// Tells PostgreSQL who is calling, for its row-level security policies (migrations 0030, 0041): registry_set_caller
/// makes the connection act as the caller's role (registry_admin, registry_analyst or registry_hospital, which the
/// login registry_api may switch to; the downgrade of a superuser connection string too) and sets registry.role /
/// registry.hospital. Sent on every connection the
/// API opens (<see cref="RegistryConnections"/>, <see cref="CallerConnectionInterceptor"/>); Npgsql resets them when
/// the connection goes back to the pool, so a connection never carries one request's caller into the next.
/// </summary>
public static class CallerSettings
{
    public const string ApiRole = "registry_api";

    /// <summary>
    /// A CALL returns no result set, so it can lead any batch; one text for every caller, so it is prepared once. The
    /// error barrier (a Sync after it, in the same round trip) commits it on its own, so a batch may go on with BEGIN.
    /// </summary>
    public static NpgsqlBatchCommand Command(Caller caller) => new("CALL registry_set_caller($1, $2)")
    {
        AppendErrorBarrier = true,
        Parameters =
        {
            new NpgsqlParameter { Value = caller.Role.ToCode(), NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter
            {
                Value = caller.Role == Role.Hospital && caller.HospitalId is { } hospital ? hospital : DBNull.Value,
                NpgsqlDbType = NpgsqlDbType.Uuid,
            },
        },
    };

    public static void Prepend(NpgsqlBatch batch, Caller caller) => batch.BatchCommands.Insert(0, Command(caller));

    /// <summary>
    /// Sends the caller on a connection just opened. A pooled connection whose server process has gone (a restart, a
    /// failover, pg_terminate_backend while it sat idle) is found out only here, at its first use: nothing has run on
    /// it, so the pool's idle connections (likely gone the same way) are dropped and a fresh one is opened.
    /// </summary>
    public static async Task ApplyAsync(DbConnection connection, Caller caller, CancellationToken ct, bool planEachCall = false)
    {
        try
        {
            await SendAsync((NpgsqlConnection)connection, caller, planEachCall, ct);
        }
        catch (NpgsqlException ex) when (DiedInPool(ex, connection))
        {
            await connection.CloseAsync();
            NpgsqlConnection.ClearPool((NpgsqlConnection)connection);
            await connection.OpenAsync(ct);
            await SendAsync((NpgsqlConnection)connection, caller, planEachCall, ct);
        }
    }

    public static void Apply(DbConnection connection, Caller caller)
    {
        try
        {
            Send((NpgsqlConnection)connection, caller);
        }
        catch (NpgsqlException ex) when (DiedInPool(ex, connection))
        {
            connection.Close();
            NpgsqlConnection.ClearPool((NpgsqlConnection)connection);
            connection.Open();
            Send((NpgsqlConnection)connection, caller);
        }
    }

    /// <summary>
    /// True when a batch that <see cref="Prepend"/> led found its pooled connection dead: the server said it had ended
    /// the session (57P01/57P02) before or at that first command, so none of the batch ran and it may be sent again on
    /// a fresh connection. A failure at any later command, or a connection that broke without a word, is not retried.
    /// </summary>
    public static bool DiedInPool(NpgsqlException ex, NpgsqlBatch batch) =>
        EndedByServer(ex) && (ex.BatchCommand is null || ReferenceEquals(ex.BatchCommand, batch.BatchCommands[0]));

    /// <summary>
    /// The server says it ended the session (57P01 after pg_terminate_backend or a fast shutdown, 57P02 after a crash).
    /// It says so at the next command sent on an idle connection, before running that command.
    /// </summary>
    public static bool EndedByServer(NpgsqlException ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown };

    private static bool DiedInPool(NpgsqlException ex, DbConnection connection) => ex.IsTransient && connection.State != ConnectionState.Open;

    private static async Task SendAsync(NpgsqlConnection connection, Caller caller, bool planEachCall, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(Command(caller));
        if (planEachCall) batch.BatchCommands.Add(new NpgsqlBatchCommand("SET plan_cache_mode = force_custom_plan"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static void Send(NpgsqlConnection connection, Caller caller)
    {
        using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(Command(caller));
        batch.ExecuteNonQuery();
    }
}
