using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Registry.Api.Common;

/// <summary>
/// Writes every problem as application/problem+json, whatever the request's Accept header says. The framework's
/// writer declines when Accept names no JSON type (text/csv for an export, say), which left the authentication
/// challenge throwing (a 500) and status pages and the exception handler answering with an empty body.
/// An error body is not negotiated: a client asking for CSV still gets a problem it can read.
/// </summary>
public sealed class ProblemJsonWriter(IOptions<JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public const string MediaType = "application/problem+json";

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        ApplyDefaults(context.ProblemDetails, http);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(
            context.ProblemDetails, context.ProblemDetails.GetType(), json.Value.SerializerOptions, MediaType, http.RequestAborted));
    }

    /// <summary>What the framework's writer fills in: status, a type and title for the status, and the request's traceId.</summary>
    public static void ApplyDefaults(Microsoft.AspNetCore.Mvc.ProblemDetails problem, HttpContext http)
    {
        problem.Status ??= http.Response.StatusCode;
        problem.Type ??= TypeOf(problem.Status.Value);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value) is { Length: > 0 } phrase ? phrase : "Error.";
        problem.Extensions.TryAdd("traceId", RequestIds.Of(http));
    }

    /// <summary>The RFC section that defines the status, as the framework links it.</summary>
    private static string? TypeOf(int status) => status switch
    {
        >= 400 and <= 417 => $"https://tools.ietf.org/html/rfc9110#section-15.5.{status - 399}",
        422 => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        428 => "https://tools.ietf.org/html/rfc6585#section-3",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        >= 500 and <= 505 => $"https://tools.ietf.org/html/rfc9110#section-15.6.{status - 499}",
        _ => null,
    };
}
