using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Registry.Api.Common;

/// <summary>A response that carries its resource's version, sent as a weak ETag.</summary>
public interface IVersionedResponse
{
    int Version { get; }
}

/// <summary>
/// Optimistic concurrency over HTTP: every versioned response carries <c>ETag: W/"{version}"</c>, and PUT and
/// DELETE must send it back as <c>If-Match</c> — 428 without it, 412 when the resource changed since.
/// </summary>
public static partial class Preconditions
{
    public const string IfMatchDescription =
        "The ETag of your last read of this resource, e.g. W/\"3\". Required: 428 without it, 412 when the resource has changed since.";

    /// <summary>Adds the ETag header to every response whose body is a versioned resource.</summary>
    public static TBuilder WithETags<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var result = await next(invocation);
            if (ETagOf(result) is { } etag) invocation.HttpContext.Response.Headers.ETag = etag;
            return result;
        });
        return builder;
    }

    public static string ETag(int version) => $"W/\"{version}\"";

    /// <summary>The ETag of a handler's result: its body's version, when the body is a versioned resource.</summary>
    public static string? ETagOf(object? result) =>
        (result is INestedHttpResult nested ? nested.Result : result) is IValueHttpResult { Value: IVersionedResponse versioned }
            ? ETag(versioned.Version)
            : null;

    /// <summary>
    /// Null when <paramref name="ifMatch"/> names <paramref name="current"/> and the body's read-only
    /// <paramref name="sentVersion"/>, if any, is that version too; else the 428 or 412 to answer.
    /// </summary>
    public static ProblemHttpResult? Check(string? ifMatch, int current, int? sentVersion = null)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
            return TypedResults.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "If-Match is required.",
                detail: $"Send the ETag of your last read as If-Match (this resource is now at {ETag(current)}), so a concurrent change is never overwritten.");
        if (ifMatch.Trim() != "*" && !Versions().Matches(ifMatch).Any(m => int.Parse(m.Groups["v"].Value) == current))
            return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "The resource has changed.",
                detail: $"If-Match was {ifMatch} but the resource is now at {ETag(current)}; read it again and reapply your change.",
                extensions: new Dictionary<string, object?> { ["currentVersion"] = current });
        if (sentVersion is { } sent && sent != current)
            return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "The body's version is not the one If-Match names.",
                detail: $"The body says version {sent} but If-Match was {ifMatch} and the resource is at {ETag(current)}; " +
                        "send back the body and the ETag of the same read.",
                extensions: new Dictionary<string, object?> { ["currentVersion"] = current });
        return null;
    }

    [GeneratedRegex("""(W/)?"(?<v>\d{1,9})"\s*(,|$)""")]
    private static partial Regex Versions();
}
