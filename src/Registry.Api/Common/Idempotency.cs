using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Api.Common;

/// <summary>
/// Idempotent creates. A POST carrying <c>Idempotency-Key</c> runs inside one transaction that also stores its
/// response, keyed by (API key, Idempotency-Key): a retry with the same body replays that response (status, body,
/// Location) and creates nothing; the same key with another body is a 422; a retry while the first is still
/// running is a 409. Because the write and its stored response commit together, a crash leaves neither.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public sealed class Marker;

    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(Filter).WithMetadata(new Marker());

    /// <summary>Keeps the body of idempotent requests readable after binding, to compare retries with the original.</summary>
    public static IApplicationBuilder UseIdempotencyBuffering(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Headers.ContainsKey(Header)) context.Request.EnableBuffering();
        return next(context);
    });

    private sealed class Stored
    {
        public byte[] RequestHash { get; init; } = [];
        public int Status { get; init; }
        public string? Location { get; init; }
        public byte[]? Body { get; init; }
        public string? ContentType { get; init; }
    }

    private static async ValueTask<object?> Filter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        var caller = http.RequestServices.GetRequiredService<Caller>();
        if (string.IsNullOrEmpty(key) || caller.KeyId is not { } apiKey) return await next(invocation);
        if (key.Length > 200) return Problems.Invalid(Header, "At most 200 characters.");

        var ct = http.RequestAborted;
        var hash = await HashAsync(http.Request, ct);
        var lockName = $"{apiKey}:{key}";
        var db = http.RequestServices.GetRequiredService<RegistryDb>();
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var mine = await db.Database
                .SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock(hashtextextended({lockName}, 0)) AS \"Value\"").SingleAsync(ct);
            if (!mine)
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The first request with this Idempotency-Key is still running.",
                    detail: "Retry after a moment: you will get its response.");

            var stored = await db.Database.SqlQuery<Stored>($"""
                SELECT request_hash AS "RequestHash", status AS "Status", location AS "Location", body AS "Body",
                       content_type AS "ContentType"
                FROM idempotent_requests WHERE api_key_id = {apiKey} AND idempotency_key = {key}
                """).SingleOrDefaultAsync(ct);
            if (stored is not null)
                return CryptographicOperations.FixedTimeEquals(stored.RequestHash, hash)
                    ? new Replay(stored.Status, stored.Location, stored.Body, stored.ContentType)
                    : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused with a different request.",
                        detail: "This key was first used with another body or path; use a new Idempotency-Key for a new request.");

            var result = await next(invocation);
            var (status, location, body, contentType) = Capture(result, json);
            if (status < 500)
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO idempotent_requests (api_key_id, idempotency_key, request_hash, status, location, body, content_type)
                    VALUES ({apiKey}, {key}, {hash}, {status}, {location}, {body}, {contentType})
                    """, ct);
            await transaction.CommitAsync(ct);
            return result;
        });
    }

    private static async Task<byte[]> HashAsync(HttpRequest request, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
            var buffer = new byte[8192];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, read);
            // Rewound for a handler that reads the body itself (the FHIR import): it would otherwise read nothing.
            request.Body.Position = 0;
        }
        return sha.GetHashAndReset();
    }

    private static (int Status, string? Location, byte[]? Body, string? ContentType) Capture(object? result, JsonSerializerOptions json)
    {
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var status = (inner as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        var location = inner?.GetType().GetProperty("Location")?.GetValue(inner) as string;
        return inner switch
        {
            // Text written as is, e.g. a FHIR Bundle or OperationOutcome with its own media type.
            ContentHttpResult { ResponseContent: { } text } content => (status, location, Encoding.UTF8.GetBytes(text), content.ContentType),
            IValueHttpResult { Value: { } value } => (status, location, JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), json),
                status >= 400 ? ProblemJsonWriter.MediaType : JsonMediaType),
            _ => (status, location, null, null),
        };
    }

    private const string JsonMediaType = "application/json; charset=utf-8";

    /// <summary>The stored first response, sent again with Idempotent-Replayed: true.</summary>
    private sealed class Replay(int status, string? location, byte[]? body, string? contentType) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.Headers[ReplayedHeader] = "true";
            if (location is not null) http.Response.Headers.Location = location;
            if (body is null) return;
            http.Response.ContentType = contentType ?? (status >= 400 ? ProblemJsonWriter.MediaType : JsonMediaType);
            await http.Response.Body.WriteAsync(body);
        }
    }
}
