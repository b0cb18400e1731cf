using Registry.Api.Common;

namespace Registry.Api.Fhir;

/// <summary>
/// On the FHIR routes every error is an OperationOutcome (application/fhir+json), whatever wrote it — the
/// authentication challenge, routing's 404/405/415, the validation filter, the exception handler, the rate
/// limiter — and whatever the client accepts. A validation problem becomes one issue per field, its
/// expression the field's name; any other problem one issue carrying its title and detail.
/// </summary>
public sealed class FhirProblemWriter : IProblemDetailsWriter
{
    /// <summary>The FHIR routes: those with a "fhir" segment under /api/v1 (/fhir, /fhir/$export, /cases/{id}/fhir).</summary>
    public static bool IsFhirRoute(PathString path) =>
        path.StartsWithSegments("/api/v1", out var rest) && rest.Value?.Split('/').Contains("fhir") == true;

    public bool CanWrite(ProblemDetailsContext context) => IsFhirRoute(context.HttpContext.Request.Path);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        ProblemJsonWriter.ApplyDefaults(problem, http);
        var issues = problem is HttpValidationProblemDetails { Errors.Count: > 0 } invalid
            ? invalid.Errors.SelectMany(e => e.Value.Select(message => new FhirIssue("invalid", e.Key == "$" ? "" : e.Key, message)))
            : [new FhirIssue(IssueCode(problem.Status!.Value), "", string.Join(" ", new[] { problem.Title, problem.Detail }.Where(t => !string.IsNullOrEmpty(t))))];
        http.Response.ContentType = $"{FhirSystems.MediaType}; charset=utf-8";
        await http.Response.WriteAsync(OperationOutcomes.From(issues).ToJsonString(FhirJson.Output), http.RequestAborted);
    }

    /// <summary>The http://hl7.org/fhir/issue-type code closest to the status.</summary>
    public static string IssueCode(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "invalid",
        StatusCodes.Status401Unauthorized => "login",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not-found",
        StatusCodes.Status405MethodNotAllowed or StatusCodes.Status406NotAcceptable or StatusCodes.Status415UnsupportedMediaType => "not-supported",
        StatusCodes.Status409Conflict or StatusCodes.Status412PreconditionFailed => "conflict",
        StatusCodes.Status413PayloadTooLarge => "too-costly",
        StatusCodes.Status428PreconditionRequired => "required",
        StatusCodes.Status429TooManyRequests => "throttled",
        StatusCodes.Status503ServiceUnavailable => "transient",
        >= 500 => "exception",
        _ => "processing",
    };
}

public static class FhirErrors
{
    /// <summary>Registers the OperationOutcome writer; call before the registry's problem writers, so it is asked first.</summary>
    public static IServiceCollection AddFhirErrors(this IServiceCollection services) =>
        services.AddSingleton<IProblemDetailsWriter, FhirProblemWriter>();
}
