using Microsoft.AspNetCore.Http.HttpResults;

namespace Registry.Api.Common;

/// <summary>The problem responses handlers return for expected failures (RFC 9457 bodies).</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string resource, Guid id) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: $"{Capitalise(resource)} not found.",
            detail: $"No {resource} has id '{id}'.");

    public static ProblemHttpResult Conflict(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail, extensions: extensions);

    public static ValidationProblem Invalid(string path, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [path] = [message] },
            title: "The request has invalid fields.");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request has invalid fields.");

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}
