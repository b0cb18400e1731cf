using System.Diagnostics;

namespace Registry.Api.Common;

/// <summary>
/// One id per request: the W3C trace id. It is the problem details' traceId, the X-Request-Id response
/// header, the TraceId scope of every log line, and the request_id of every audit row.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Request-Id";

    public static string Of(HttpContext context) => Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;

    /// <remarks>Set as the response starts: the exception handler clears headers set earlier, not this callback.</remarks>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = Of(context);
            return Task.CompletedTask;
        });
        return next(context);
    });
}
