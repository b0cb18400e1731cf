using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Health;

public static class HealthEndpoints
{
    /// <param name="WritesTo">On /health/ready: the PostgreSQL node this instance writes to, as that server sees itself.</param>
    public sealed record HealthResponse(string Status, string? Detail = null, DatabaseNode? WritesTo = null);

    public static void MapHealth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health");
        group.MapGet("/live", Live).WithName("Live")
            .WithSummary("Liveness")
            .WithDescription("Answers 200 while the process is up; it does not touch the database.");
        group.MapGet("/ready", Ready).WithName("Ready")
            .WithSummary("Readiness")
            .WithDescription("Answers 200 when the database answers a query within 3 seconds, naming the node it writes to (writesTo: address, port, isStandby), else 503 with the reason.")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
    }

    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(3);

    private static async Task<DatabaseNode> CheckAsync(RegistryConnections connections, CancellationToken ct)
    {
        var source = connections.For(Caller.System);
        await using (var batch = source.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM schema_migrations"));
            await source.ExecuteNonQueryAsync(batch, ct);
        }
        return await DatabaseNode.OfAsync(source, ct);
    }

    private static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse("live"));

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Ready(
        RegistryConnections dataSource, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ReadyWithin);
        try
        {
            // The bound is the check's own clock: a server that hangs (rather than refusing connections) leaves a
            // cancelled query unwinding for much longer, so the answer does not wait for it.
            var node = await CheckAsync(dataSource, timeout.Token).WaitAsync(ReadyWithin, ct);
            return TypedResults.Ok(new HealthResponse("ready", WritesTo: node));
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            return TypedResults.Json(new HealthResponse("unavailable", "The database did not answer."),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
