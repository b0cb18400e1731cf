using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace Registry.Api.Common;

/// <summary>
/// Refuses query parameters an endpoint does not bind, as the JSON options refuse unknown body members: a
/// misspelt or unsupported filter (<c>?updatedSince=…</c>) is a 400 naming it, never silently ignored so that
/// the client gets everything. The names an endpoint binds are read once from its handler's parameters (and
/// the properties of its [AsParameters] records), the way minimal APIs bind them; names compare without case,
/// as binding does. A parameter that takes one value and is given twice (<c>?drug=a&amp;drug=b</c>) is a 400 too: binding
/// would join the values into one ("a,b") and judge that, as a duplicate JSON member is refused rather than one copy
/// dropped. Routes that read repeats in their own way opt out (<see cref="AllowingRepeatedQueryParameters"/>).
/// </summary>
public static class KnownQueryParameters
{
    /// <summary>Marks an endpoint that refuses unknown query parameters, so the OpenAPI document declares its 400.</summary>
    public sealed class Marker;

    /// <summary>Marks routes left to read a repeated query parameter themselves: the FHIR routes, where a repeat has a meaning of its own.</summary>
    public sealed class RepeatsAllowed;

    public static TBuilder WithKnownQueryParameters<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint is not RouteEndpointBuilder route || endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault() is not { } method) return;
            endpoint.Metadata.Add(new Marker());
            var services = endpoint.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            var bound = method.GetParameters().SelectMany(p => QueryNames(p, route.RoutePattern, services)).ToList();
            var known = bound.Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var single = bound.Where(b => !b.Type.IsArray).Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            endpoint.FilterFactories.Add((_, next) => invocation =>
            {
                var query = invocation.HttpContext.Request.Query;
                if (Acceptable(query, known, single)) return next(invocation);
                // Read here rather than above: a route group's own metadata is added after this convention runs.
                var repeatsAllowed = invocation.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RepeatsAllowed>() is not null;
                if (repeatsAllowed && query.Keys.All(known.Contains)) return next(invocation);
                return ValueTask.FromResult<object?>(Refuse(query, known, repeatsAllowed ? [] : single));
            });
        });
        return builder;
    }

    /// <summary>Lets these routes take a parameter more than once (they read the repeats themselves).</summary>
    public static TBuilder AllowingRepeatedQueryParameters<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RepeatsAllowed());

    /// <summary>Runs on every request, so it allocates nothing: most requests carry no query string at all.</summary>
    private static bool Acceptable(IQueryCollection query, HashSet<string> known, HashSet<string> single)
    {
        if (query.Count == 0) return true;
        foreach (var (name, values) in query)
            if (!known.Contains(name) || (values.Count > 1 && single.Contains(name))) return false;
        return true;
    }

    private static IResult Refuse(IQueryCollection query, IReadOnlySet<string> known, IReadOnlySet<string> single)
    {
        var accepted = known.Count == 0 ? "This route takes no query parameters." : $"This route takes: {string.Join(", ", known.Order())}.";
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in query)
            if (!known.Contains(name)) errors[name] = [$"Not a query parameter of this route; remove it. {accepted}"];
            else if (values.Count > 1 && single.Contains(name))
                errors[name] = [GivenMoreThanOnce(values)];
        return Problems.Invalid(errors);
    }

    /// <summary>The error for a one-value parameter sent several times (here, or by binding when the values do not parse joined).</summary>
    public static string GivenMoreThanOnce(StringValues values) =>
        $"Given {values.Count} times ({string.Join(", ", values.Select(v => $"'{v}'"))}); it takes one value.";

    private static IEnumerable<(string Name, Type Type)> QueryNames(ParameterInfo parameter, RoutePattern route, IServiceProviderIsService services) =>
        parameter.GetCustomAttribute<AsParametersAttribute>() is not null
            ? parameter.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => (Name: QueryName(p, p.PropertyType, p.Name, route, services), Type: p.PropertyType))
                .Where(b => b.Name is not null).Select(b => (b.Name!, b.Type))
            : QueryName(parameter, parameter.ParameterType, parameter.Name!, route, services) is { } name ? [(name, parameter.ParameterType)] : [];

    /// <summary>The query name a parameter or [AsParameters] property binds from, or null when it binds from elsewhere.</summary>
    private static string? QueryName(ICustomAttributeProvider member, Type type, string name, RoutePattern route, IServiceProviderIsService services)
    {
        var attributes = member.GetCustomAttributes(true);
        if (attributes.OfType<IFromQueryMetadata>().FirstOrDefault() is { } query) return query.Name ?? name;
        if (attributes.Any(a => a is IFromRouteMetadata or IFromHeaderMetadata or IFromBodyMetadata or IFromServiceMetadata or IFromFormMetadata
                or FromKeyedServicesAttribute)) return null;
        if (route.GetParameter(name) is not null || services.IsService(type)) return null;
        return IsBoundFromText(Nullable.GetUnderlyingType(type) ?? type) ? name : null;
    }

    /// <summary>What minimal APIs bind from a query string: strings, enums, primitives and anything with a static TryParse (and arrays of them).</summary>
    private static bool IsBoundFromText(Type type) =>
        type.IsArray ? IsBoundFromText(type.GetElementType()!)
        : type == typeof(string) || type.IsEnum || type.IsPrimitive
          || (type != typeof(ClaimsPrincipal) && type.GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m => m.Name == "TryParse"));
}
