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

    public static async Task ApplyAsync(DbConnection connection, Caller caller, CancellationToken ct, bool planEachCall = false)
    {
        await using var batch = ((NpgsqlConnection)connection).CreateBatch();
        batch.BatchCommands.Add(Command(caller));
        if (planEachCall) batch.BatchCommands.Add(new NpgsqlBatchCommand("SET plan_cache_mode = force_custom_plan"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    public static void Apply(DbConnection connection, Caller caller)
    {
        using var batch = ((NpgsqlConnection)connection).CreateBatch();
        batch.BatchCommands.Add(Command(caller));
        batch.ExecuteNonQuery();
    }
}
