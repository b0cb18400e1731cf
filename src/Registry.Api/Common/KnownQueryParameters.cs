using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Registry.Api.Common;

/// <summary>
/// Refuses query parameters an endpoint does not bind, as the JSON options refuse unknown body members: a
/// misspelt or unsupported filter (<c>?updatedSince=…</c>) is a 400 naming it, never silently ignored so that
/// the client gets everything. The names an endpoint binds are read once from its handler's parameters (and
/// the properties of its [AsParameters] records), the way minimal APIs bind them; names compare without case,
/// as binding does.
/// </summary>
public static class KnownQueryParameters
{
    /// <summary>Marks an endpoint that refuses unknown query parameters, so the OpenAPI document declares its 400.</summary>
    public sealed class Marker;

    public static TBuilder WithKnownQueryParameters<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint is not RouteEndpointBuilder route || endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault() is not { } method) return;
            endpoint.Metadata.Add(new Marker());
            var services = endpoint.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            var known = method.GetParameters().SelectMany(p => QueryNames(p, route.RoutePattern, services))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            endpoint.FilterFactories.Add((_, next) => invocation =>
                AllKnown(invocation.HttpContext.Request.Query, known) ? next(invocation)
                    : ValueTask.FromResult<object?>(Refuse(invocation.HttpContext.Request.Query.Keys.Where(k => !known.Contains(k)).ToArray(), known)));
        });
        return builder;
    }

    /// <summary>Runs on every request, so it allocates nothing: most requests carry no query string at all.</summary>
    private static bool AllKnown(IQueryCollection query, HashSet<string> known)
    {
        if (query.Count == 0) return true;
        foreach (var (name, _) in query)
            if (!known.Contains(name)) return false;
        return true;
    }

    private static IResult Refuse(string[] unknown, IReadOnlySet<string> known)
    {
        var accepted = known.Count == 0 ? "This route takes no query parameters." : $"This route takes: {string.Join(", ", known.Order())}.";
        return Problems.Invalid(unknown.ToDictionary(name => name, _ => new[] { $"Not a query parameter of this route; remove it. {accepted}" }));
    }

    private static IEnumerable<string> QueryNames(ParameterInfo parameter, RoutePattern route, IServiceProviderIsService services) =>
        parameter.GetCustomAttribute<AsParametersAttribute>() is not null
            ? parameter.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => QueryName(p, p.PropertyType, p.Name, route, services)).OfType<string>()
            : QueryName(parameter, parameter.ParameterType, parameter.Name!, route, services) is { } name ? [name] : [];

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
