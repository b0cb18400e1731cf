namespace Registry.Api.Common;

/// <summary>
/// What an endpoint declares about its own OpenAPI description beyond Produces*: examples, one-of bodies and headers.
/// The OpenApi/ wiring reads this metadata; features only attach it.
/// </summary>
public static class OpenApiMetadata
{
    /// <summary>Attaches an example request body to an endpoint's OpenAPI description.</summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, object example) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ExampleMetadata(null, new Lazy<object>(() => example)));

    /// <summary>Attaches an example response body for one status code (and one media type, when it answers several).</summary>
    public static TBuilder WithResponseExample<TBuilder>(this TBuilder builder, int status, object example, string? mediaType = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithResponseExample(status, () => example, mediaType);

    /// <summary>
    /// An example built only when the OpenAPI document is first asked for. For examples that need a heavy library: a
    /// FHIR example at start-up loaded Firely's R4 model, whose 250 kB static constructor the JIT compiled with 75 MB
    /// of native memory, much of which the process kept (docs/performance.md).
    /// </summary>
    public static TBuilder WithResponseExample<TBuilder>(this TBuilder builder, int status, Func<object> example, string? mediaType = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ExampleMetadata(status, new Lazy<object>(example), mediaType));

    /// <summary>
    /// Declares that each body (or, for NDJSON, each line) of a response is one of several types, e.g. a bulk
    /// answer's per-line results and its closing summary line.
    /// </summary>
    public static TBuilder WithResponseOneOf<TBuilder>(this TBuilder builder, int status, params Type[] types) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new OneOfMetadata(status, types));

    /// <summary>Declares a header a response carries (OpenAPI lists it under the response's headers).</summary>
    public static TBuilder WithResponseHeader<TBuilder>(this TBuilder builder, int status, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new HeaderMetadata(status, name, description));

    public sealed record OneOfMetadata(int Status, Type[] Types);

    public sealed record HeaderMetadata(int Status, string Name, string Description);

    public sealed record ExampleMetadata(int? Status, Lazy<object> Example, string? MediaType = null)
    {
        public object Value => Example.Value;
    }
}
