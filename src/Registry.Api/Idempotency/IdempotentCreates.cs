using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Registry.Api.Common;
using Registry.Api.Data;
using Registry.Api.Security;

namespace Registry.Api.Idempotency;

/// <summary>
/// Idempotent creates. A POST carrying <c>Idempotency-Key</c> runs inside one transaction that also stores its
/// response, keyed by (API key, Idempotency-Key): a retry with the same body replays that response (status, body,
/// Location) and creates nothing; the same key with another body is a 422; a retry while the first is still
/// running is a 409. Because the write and its stored response commit together, a crash leaves neither.
/// </summary>
public static class IdempotentCreates
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public sealed class Marker;

    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(Filter).WithMetadata(new Marker());

    /// <summary>
    /// Keeps the body of idempotent requests readable after binding, to compare retries with the original. Must run
    /// after UseBodySizeLimit: the buffer then wraps whatever stream that puts in place (a chunked body is capped by
    /// replacing the stream), so the whole body is hashed however it is framed, and the cap still applies.
    /// </summary>
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
        public string? ETag { get; init; }
        public string? ContentType { get; init; }
        public byte[]? Body { get; init; }
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
                SELECT request_hash AS "RequestHash", status AS "Status", location AS "Location", etag AS "ETag", content_type AS "ContentType", body AS "Body"
                FROM idempotent_requests WHERE api_key_id = {apiKey} AND idempotency_key = {key}
                """).SingleOrDefaultAsync(ct);
            if (stored is not null)
                return CryptographicOperations.FixedTimeEquals(stored.RequestHash, hash)
                    ? new Replay(stored)
                    : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused with a different request.",
                        detail: "This key was first used with another body or path; use a new Idempotency-Key for a new request.");

            http.Request.Body.Position = 0; // for a handler that reads the body itself (FHIR import), on every attempt
            var result = await next(invocation);
            // A handler may have carried on past a connection that died under it (see TransactionLostException).
            TransactionLostException.ThrowIfLost(db.Database, transaction);
            var response = Capture(result, json);
            if (response.Status < 500)
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO idempotent_requests (api_key_id, idempotency_key, request_hash, status, location, etag, content_type, body)
                    VALUES ({apiKey}, {key}, {hash}, {response.Status}, {response.Location}, {response.ETag}, {response.ContentType}, {response.Body})
                    """, ct);
            await transaction.CommitAsync(ct);
            return result;
        });
    }

    /// <summary>The method, path and every byte of the body (buffered by UseIdempotencyBuffering, whatever its framing).</summary>
    private static async Task<byte[]> HashAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.Body.CanSeek)
            throw new InvalidOperationException("The body of an idempotent request was not buffered: UseIdempotencyBuffering must run after UseBodySizeLimit.");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        request.Body.Position = 0;
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, read);
        return sha.GetHashAndReset();
    }

    /// <summary>What the response to <paramref name="result"/> will carry: status, Location, ETag (see Preconditions.WithETags), media type and body.</summary>
    private static Stored Capture(object? result, JsonSerializerOptions json)
    {
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var body = inner switch
        {
            IValueHttpResult { Value: { } value } => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), json),
            ContentHttpResult { ResponseContent: { } content } => System.Text.Encoding.UTF8.GetBytes(content),
            _ => null,
        };
        var status = (inner as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        return new Stored
        {
            Status = status,
            Location = inner?.GetType().GetProperty("Location")?.GetValue(inner) as string,
            ETag = Preconditions.ETagOf(result),
            ContentType = (inner as IContentTypeHttpResult)?.ContentType ?? (body is null ? null : DefaultMediaType(status)),
            Body = body,
        };
    }

    private static string DefaultMediaType(int status) => status >= 400 ? ProblemJsonWriter.MediaType : "application/json; charset=utf-8";

    /// <summary>The stored first response — status, Location, ETag, media type, body — sent again with Idempotent-Replayed: true.</summary>
    private sealed class Replay(Stored stored) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = stored.Status;
            http.Response.Headers[ReplayedHeader] = "true";
            if (stored.Location is not null) http.Response.Headers.Location = stored.Location;
            if (stored.ETag is not null) http.Response.Headers.ETag = stored.ETag;
            if (stored.Body is null) return;
            // Rows stored before migration 0022 have no media type.
            http.Response.ContentType = stored.ContentType ?? DefaultMediaType(stored.Status);
            await http.Response.Body.WriteAsync(stored.Body);
        }
    }
}
