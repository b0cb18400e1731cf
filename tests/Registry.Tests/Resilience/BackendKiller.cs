using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Registry.Tests.Resilience;

/// <summary>
/// Fault injection, registered only by the fault-injection tests' app. A request carrying <c>X-Test-Kill-At: N</c>
/// has its PostgreSQL backend terminated (pg_terminate_backend, waiting until it is gone) at the Nth database event it
/// causes through EF Core: before or after each command, before or after each BEGIN and COMMIT. With
/// <c>X-Test-Kill-Mode: ack-lost</c> the Nth COMMIT instead succeeds and then reports a broken connection, as when the
/// server dies after committing but before its acknowledgement arrives. A request is hit once, counting its events
/// across the execution strategy's retries.
/// </summary>
public sealed class BackendKiller(IHttpContextAccessor accessor, string adminConnectionString) : IDbCommandInterceptor, IDbTransactionInterceptor
{
    public const string IdHeader = "X-Test-Kill-Id";
    public const string AtHeader = "X-Test-Kill-At";
    public const string ModeHeader = "X-Test-Kill-Mode";
    public const string AckLost = "ack-lost";
    private const string Count = "backend-killer-count";

    private readonly ConcurrentDictionary<string, string> _fired = new();

    /// <summary>The event at which the request with this X-Test-Kill-Id was hit; null when it caused fewer events than asked.</summary>
    public string? FiredAt(string id) => _fired.GetValueOrDefault(id);

    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, $"before {Describe(command)}");
        return result;
    }

    public async ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, $"after {Describe(command)}");
        return result;
    }

    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, $"before {Describe(command)}");
        return result;
    }

    public async ValueTask<int> NonQueryExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, $"after {Describe(command)}");
        return result;
    }

    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, $"before {Describe(command)}");
        return result;
    }

    public async ValueTask<object?> ScalarExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, $"after {Describe(command)}");
        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, "before BEGIN");
        return result;
    }

    public async ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, "after BEGIN");
        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken ct = default)
    {
        await StepAsync(eventData.Context, "before COMMIT");
        return result;
    }

    public async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken ct = default)
    {
        if (await StepAsync(eventData.Context, "after COMMIT", committed: true) && IsAckLost(accessor.HttpContext))
            throw new NpgsqlException("Exception while reading from stream (simulated: the COMMIT's acknowledgement was lost)",
                new IOException("Connection reset by peer"));
    }

    private static bool IsAckLost(HttpContext? http) => http?.Request.Headers[ModeHeader].ToString() == AckLost;

    /// <summary>Counts the event for the current request; at the Nth, terminates its backend. True when it did.</summary>
    private async Task<bool> StepAsync(DbContext? context, string what, bool committed = false)
    {
        var http = accessor.HttpContext;
        if (context is null || http is null || !int.TryParse(http.Request.Headers[AtHeader], out var at)) return false;
        if (IsAckLost(http) && !committed) return false; // that mode counts only successful COMMITs
        var count = (int)(http.Items[Count] ?? 0) + 1;
        http.Items[Count] = count;
        if (count != at) return false;

        _fired[http.Request.Headers[IdHeader].ToString()] = $"#{count} {what}";
        var pid = ((NpgsqlConnection)context.Database.GetDbConnection()).ProcessID;
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.OpenAsync();
        await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 10000)", admin);
        terminate.Parameters.AddWithValue("pid", pid);
        await terminate.ExecuteScalarAsync();
        return true;
    }

    private static string Describe(DbCommand command)
    {
        var sql = command.CommandText.ReplaceLineEndings(" ").TrimStart();
        return sql.Length > 60 ? sql[..60] + "…" : sql;
    }
}
