using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Registry.Api.Common;

/// <summary>
/// Answers 406 when a request's Accept header rules out JSON on a route that answers only JSON. A client that asks
/// <c>GET /cases</c> for <c>text/csv</c> then learns that it gets no CSV there, rather than parsing JSON as CSV. Left
/// alone: routes that answer another media type as well (exports and plots pick theirs with <c>format</c>), the FHIR
/// routes, routes with no body, and requests without Accept. Media type parameters other than q are ignored.
/// </summary>
public static class AcceptNegotiation
{
    /// <summary>Marks the endpoints under this convention, so the OpenAPI document declares the 406 of those that answer only JSON.</summary>
    public sealed class Marker;

    /// <summary>Marks routes that answer whatever the client accepts, as the FHIR routes do (an OperationOutcome on error).</summary>
    public sealed class Exempt;

    /// <summary>What to tell a client whose Accept ruled out this route's JSON: where else to get what it asked for.</summary>
    public sealed record Alternative(string Hint);

    public static TBuilder WithAcceptNegotiation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        // Decided per request from the endpoint's metadata: a group's conventions run before its endpoints' own
        // Produces(...) are added. Only a request whose Accept rules out JSON gets as far as reading them.
        builder.WithMetadata(new Marker()).AddEndpointFilter((invocation, next) =>
        {
            var accept = invocation.HttpContext.Request.Headers.Accept;
            if (AllowsJson(accept) || invocation.HttpContext.GetEndpoint() is not { } endpoint || !Applies(endpoint.Metadata))
                return next(invocation);
            return ValueTask.FromResult<object?>(Refuse(accept, endpoint.Metadata.GetMetadata<Alternative>()?.Hint));
        });

    /// <summary>Points a client whose Accept ruled out this route's JSON at the route that answers what it asked for.</summary>
    public static TBuilder WithNotAcceptableHint<TBuilder>(this TBuilder builder, string hint) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Alternative(hint));

    /// <summary>Leaves these routes to answer whatever the client accepts.</summary>
    public static TBuilder WithoutAcceptNegotiation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Exempt());

    /// <summary>
    /// True for an endpoint under <see cref="WithAcceptNegotiation"/>, not exempt, whose every declared success is a
    /// JSON body (application/json; a +json type is another route's business).
    /// </summary>
    public static bool Applies(IEnumerable<object> metadata) =>
        metadata.OfType<Marker>().Any() && !metadata.OfType<Exempt>().Any() && AnswersJsonOnly(metadata);

    private static bool AnswersJsonOnly(IEnumerable<object> metadata) =>
        metadata.OfType<IProducesResponseTypeMetadata>().Where(p => p.StatusCode is >= 200 and < 300)
            .SelectMany(p => p.ContentTypes).Distinct().ToList() is ["application/json"];

    /// <summary>True without an Accept header, or when one of its ranges with a non-zero q covers application/json.</summary>
    private static bool AllowsJson(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (accept.Count == 0 || accept == "application/json" || accept == "*/*") return true;
        // An unparseable header is not worth refusing a request over; it is answered as if absent.
        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0) return true;
        return ranges.Any(r => r.Quality is not 0
            && (r.MatchesAllTypes
                || (r.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
                    && (r.MatchesAllSubTypes || r.SubType.Equals("json", StringComparison.OrdinalIgnoreCase)))));
    }

    private static IResult Refuse(string? accept, string? hint) => TypedResults.Problem(
        statusCode: StatusCodes.Status406NotAcceptable,
        title: "This route answers JSON only.",
        detail: $"The Accept header ({accept}) does not allow application/json, the only media type this route answers. "
            + "Send Accept: application/json, or no Accept header." + (hint is null ? "" : $" {hint}"));
}
