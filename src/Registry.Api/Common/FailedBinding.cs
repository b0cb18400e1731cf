using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace Registry.Api.Common;

/// <summary>
/// Why minimal APIs refused to bind a request (a <see cref="BadHttpRequestException"/> of status 400 without an inner
/// exception), told from the endpoint's handler and the request rather than from the exception's text: the first
/// route, query or header value that does not parse as its parameter's type, else a missing body.
/// </summary>
public static class FailedBinding
{
    /// <summary>
    /// A route, query or header value that does not parse: the parameter's name, the values sent (more than one when
    /// a one-value parameter was repeated, which binding joins with commas), its type.
    /// </summary>
    public sealed record Unparsable(string Name, StringValues Values, Type Type);

    public static Unparsable? FindUnparsable(HttpContext context)
    {
        foreach (var parameter in Parameters(context))
        {
            var type = Nullable.GetUnderlyingType(parameter.Type) ?? parameter.Type;
            if (type == typeof(string) || TryParser(type) is not { } parses) continue;
            var sent = Sent(context, parameter);
            if (sent.Count > 1 || (sent.FirstOrDefault() is { } value && !parses(value))) return new(parameter.Name, sent, type);
        }
        return null;
    }

    /// <summary>A handler parameter, or a member of an [AsParameters] type, as minimal APIs bind it.</summary>
    private sealed record Bound(string Name, Type Type, ICustomAttributeProvider Attributes, bool HasDefault, NullabilityState Nullability)
    {
        public T? Attribute<T>() where T : Attribute =>
            Attributes.GetCustomAttributes(typeof(T), inherit: true).OfType<T>().FirstOrDefault();

        public static Bound Of(ParameterInfo p) =>
            new(p.Name!, p.ParameterType, p, p.HasDefaultValue, new NullabilityInfoContext().Create(p).ReadState);

        public static Bound Of(PropertyInfo p) =>
            new(p.Name, p.PropertyType, p, HasDefault: true, new NullabilityInfoContext().Create(p).WriteState);
    }

    /// <summary>
    /// The endpoint takes a body (its Accepts metadata names the type) and no required route, query or header value
    /// is missing: the framework's other refusal of this kind. It refuses a missing or JSON null body alike.
    /// </summary>
    public static bool IsMissingBody(HttpContext context) =>
        Feature(context)?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is not null
        && !Parameters(context).Any(p => IsRequiredValue(p) && Sent(context, p).Count == 0);

    private static IExceptionHandlerFeature? Feature(HttpContext context) => context.Features.Get<IExceptionHandlerFeature>();

    /// <summary>
    /// The handler's parameters, with an [AsParameters] type's members in its place: its settable properties when it
    /// has a parameterless constructor, else its constructor's parameters.
    /// </summary>
    private static IEnumerable<Bound> Parameters(HttpContext context) =>
        Feature(context)?.Endpoint?.Metadata.GetMetadata<MethodInfo>() is { } handler ? handler.GetParameters().SelectMany(Flatten) : [];

    private static IEnumerable<Bound> Flatten(ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<AsParametersAttribute>() is null) return [Bound.Of(parameter)];
        var type = parameter.ParameterType;
        return type.GetConstructor(Type.EmptyTypes) is not null
            ? type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(Bound.Of)
            : type.GetConstructors().MaxBy(c => c.GetParameters().Length)?.GetParameters().SelectMany(Flatten) ?? [];
    }

    /// <summary>A string or parsable value the handler cannot do without: neither nullable nor defaulted.</summary>
    private static bool IsRequiredValue(Bound parameter) =>
        (parameter.Type == typeof(string) || TryParser(parameter.Type) is not null)
        && !parameter.HasDefault && Nullable.GetUnderlyingType(parameter.Type) is null && parameter.Nullability == NullabilityState.NotNull;

    /// <summary>What the request carries for the parameter, where minimal APIs look for it.</summary>
    private static StringValues Sent(HttpContext context, Bound parameter)
    {
        if (parameter.Attribute<FromHeaderAttribute>() is { } header)
            return context.Request.Headers[header.Name ?? parameter.Name];
        if (parameter.Attribute<FromQueryAttribute>() is { } query)
            return context.Request.Query[query.Name ?? parameter.Name];
        var route = parameter.Attribute<FromRouteAttribute>()?.Name ?? parameter.Name;
        return Feature(context)?.RouteValues?.TryGetValue(route, out var value) == true
            ? new StringValues(Convert.ToString(value, CultureInfo.InvariantCulture))
            : context.Request.Query[parameter.Name];
    }

    /// <summary>How minimal APIs parse a value of the type: enums and types with a static TryParse; null if it binds otherwise.</summary>
    private static Func<string, bool>? TryParser(Type type)
    {
        if (type.IsEnum) return value => Enum.TryParse(type, value, ignoreCase: false, out _);
        if (type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static,
                [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]) is { } withCulture)
            return value => (bool)withCulture.Invoke(null, [value, CultureInfo.InvariantCulture, null])!;
        if (type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), type.MakeByRefType()]) is { } plain)
            return value => (bool)plain.Invoke(null, [value, null])!;
        return null;
    }
}
