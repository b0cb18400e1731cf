using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Registry.Api.Common;

/// <summary>
/// Turns what escapes a handler into problem details: malformed requests become 400/413/415 naming the
/// field, constraint violations that raced past validation become 409/400, an unreachable database
/// becomes 503, and only the truly unexpected becomes a logged 500 that leaks nothing.
/// </summary>
public sealed class ProblemExceptionHandler(
    IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Describe(exception, context);
        if (problem.Status >= 500 && problem.Status != StatusCodes.Status503ServiceUnavailable)
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            logger.LogWarning(exception, "Request answered 503: {Title}", problem.Title); // why the database was unavailable
        else
            logger.LogInformation("Request answered {Status}: {Title}", problem.Status, problem.Title);

        context.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context, ProblemDetails = problem, Exception = exception,
        });
    }

    private static ProblemDetails Describe(Exception exception, HttpContext context) => exception switch
    {
        BadHttpRequestException { InnerException: JsonException json } => Invalid(JsonPath(json.Path), JsonMessage(json)),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status415UnsupportedMediaType =>
            Problem(415, "Unsupported media type.", "Send the body as JSON with 'Content-Type: application/json'."),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            Problem(413, "Request body too large.", "The body exceeds the size this endpoint accepts."),
        BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest, InnerException: null }
            when FailedBinding.FindUnparsable(context) is { } failed =>
            Invalid(JsonNamingPolicy.CamelCase.ConvertName(failed.Name), failed.Values.Count > 1
                ? KnownQueryParameters.GivenMoreThanOnce(failed.Values) : $"'{failed.Values}' is not a valid {Describe(failed.Type)}."),
        BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest, InnerException: null }
            when FailedBinding.IsMissingBody(context) => Invalid("$", "A JSON body is required."),
        BadHttpRequestException bad => Problem(bad.StatusCode, "Bad request.", bad.Message),
        DbUpdateConcurrencyException => Problem(412, "The resource has changed.",
            "Another request changed or deleted it while this one ran; read it again and reapply your change."),
        DbUpdateException { InnerException: PostgresException pg } => FromPostgres(pg),
        PostgresException pg => FromPostgres(pg),
        _ when IsDatabaseUnavailable(exception) =>
            Problem(503, "Database unavailable.", "The registry database cannot be reached; retry shortly."),
        OperationCanceledException when context.RequestAborted.IsCancellationRequested =>
            Problem(499, "Client closed request.", null),
        _ => Problem(500, "An unexpected error occurred.", "The error has been logged; the request changed nothing."),
    };

    private static ProblemDetails FromPostgres(PostgresException pg) => pg.SqlState switch
    {
        PostgresErrorCodes.UniqueViolation => Problem(409, "Conflict with an existing record.",
            $"Another record already holds this value ({pg.ConstraintName})."),
        PostgresErrorCodes.ForeignKeyViolation => Problem(409, "Conflict with related records.",
            $"The change would break a reference between records ({pg.ConstraintName})."),
        PostgresErrorCodes.CheckViolation or PostgresErrorCodes.NotNullViolation or PostgresErrorCodes.StringDataRightTruncation
            or PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
            or PostgresErrorCodes.NumericValueOutOfRange
            => Problem(400, "The request breaks a rule of the registry.", $"Rejected by the database ({pg.ConstraintName ?? pg.SqlState})."),
        PostgresErrorCodes.QueryCanceled => Problem(503, "Query took too long.", "The query was cancelled; narrow the filters or retry."),
        // During a failover (docs/ha.md): class 08 is a connection exception, e.g. 08P01 "server login has been
        // failing" from pgbouncer while the primary behind it is down; 25006 is a write that reached a node still
        // read-only (Patroni restarts a crashed primary read-only before promoting it, or HAProxy has not yet
        // noticed the old primary is gone). The write did not happen: retry shortly.
        _ when pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction
            => Problem(503, "Database unavailable.", "The registry database is unavailable; retry shortly."),
        _ => Problem(500, "An unexpected error occurred.", "The error has been logged; the request changed nothing."),
    };

    private static bool IsDatabaseUnavailable(Exception exception) =>
        exception is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
        || exception is InvalidOperationException { InnerException: NpgsqlException or SocketException }
        || exception.InnerException is NpgsqlException { IsTransient: true } or SocketException;

    internal static string JsonPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.") ? path[2..] : path.TrimStart('$');

    /// <remarks>
    /// Told apart by type where there is one: our converters' <see cref="NotAnAllowedValueException"/> carries a
    /// message for the client; malformed JSON is System.Text.Json's reader exception, kept as the inner exception.
    /// An unknown member, a duplicate member and a value of the wrong JSON type are each a plain JsonException with
    /// nothing but the message to tell them apart (no type, property or code of their own, as of .NET 10), so those
    /// three are still told by the message, and fall back to "not valid JSON" should its wording change.
    /// </remarks>
    internal static string JsonMessage(JsonException json) => json switch
    {
        NotAnAllowedValueException => json.Message,
        { InnerException: JsonException } => "The body is not valid JSON.",
        _ when json.Message.StartsWith("The JSON property", StringComparison.Ordinal) => "This field is not part of the contract; remove it.",
        _ when json.Message.Contains("could not be converted", StringComparison.Ordinal) => "The value has the wrong JSON type for this field.",
        _ when json.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) => "This field appears more than once.",
        _ => "The body is not valid JSON.",
    };

    private static string Describe(Type type) =>
        type == typeof(int) ? "whole number" : type == typeof(Guid) ? "UUID" : "value";

    private static ValidationProblemDetails Invalid(string path, string message) =>
        new(new Dictionary<string, string[]> { [path] = [message] })
        {
            Status = StatusCodes.Status400BadRequest, Title = "The request has invalid fields.",
        };

    private static ProblemDetails Problem(int status, string title, string? detail) =>
        new() { Status = status, Title = title, Detail = detail };
}
