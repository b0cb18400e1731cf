using FluentValidation;

namespace Registry.Api.Common;

/// <summary>
/// Runs the registered FluentValidation validator of every handler argument that has one (bodies and
/// [AsParameters] query records) and answers 400 with JSON-path keys before the handler runs.
/// </summary>
public static class ValidationFilter
{
    public static TBuilder WithValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory(Create);
        // Declare the 400 only on endpoints that take validated input, so the OpenAPI document stays honest.
        builder.Add(endpoint =>
        {
            var method = endpoint.Metadata.OfType<System.Reflection.MethodInfo>().FirstOrDefault();
            var services = endpoint.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            if (method is not null && method.GetParameters().Any(p => services.IsService(typeof(IValidator<>).MakeGenericType(p.ParameterType))))
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(
                    StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails), ["application/problem+json"]));
        });
        return builder;
    }

    private static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var targets = context.MethodInfo.GetParameters()
            .Select((parameter, index) => (index, validator: typeof(IValidator<>).MakeGenericType(parameter.ParameterType)))
            .Where(t => context.ApplicationServices.GetService<IServiceProviderIsService>()!.IsService(t.validator))
            .ToArray();
        if (targets.Length == 0) return next;

        return async invocation =>
        {
            var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (index, validatorType) in targets)
            {
                if (invocation.Arguments[index] is not { } argument) continue;
                if (argument is ReadOnlyMembers members) AddContradictedRoute(members, invocation.HttpContext.Request.RouteValues, errors);
                var validator = (IValidator)invocation.HttpContext.RequestServices.GetRequiredService(validatorType);
                var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                foreach (var failure in result.Errors)
                {
                    var key = string.IsNullOrEmpty(failure.PropertyName) ? "$" : failure.PropertyName;
                    if (!errors.TryGetValue(key, out var messages)) errors[key] = messages = [];
                    messages.Add(failure.ErrorMessage);
                }
            }
            return errors.Count == 0
                ? await next(invocation)
                : TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
                    title: "The request has invalid fields.");
        };
    }

    /// <summary>A read-only id sent back on PUT must be the route's: a body read from one resource and sent to another is refused.</summary>
    private static void AddContradictedRoute(ReadOnlyMembers members, RouteValueDictionary route, Dictionary<string, List<string>> errors)
    {
        if (members.Id is not { } sent || !route.TryGetValue("id", out var value) || !Guid.TryParse(value?.ToString(), out var routed) || routed == sent) return;
        errors["id"] = [$"Is '{sent}' but the route names '{routed}'. It is read-only: leave it out, or send the id you read."];
    }

    /// <summary>FluentValidation reports "Medications[0].Dose.Amount"; clients send "medications[0].dose.amount".</summary>
    public static void UseJsonPropertyNames() =>
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member.Name);
}
