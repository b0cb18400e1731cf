using System.Text.Json.Serialization;
using FluentValidation;

namespace Registry.Api.Common;

public static class JsonSetup
{
    /// <summary>
    /// Strict JSON: kebab-case enums, no unknown members (the read-only ones a GET answers are declared by
    /// <see cref="ReadOnlyMembers"/>, accepted and ignored), no duplicate keys, no numbers in strings. Failures
    /// surface as 400 naming the path.
    /// </summary>
    public static IServiceCollection AddRegistryJson(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(options =>
        {
            var json = options.SerializerOptions;
            json.Converters.Add(new KebabEnumConverterFactory());
            json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.AllowDuplicateProperties = false;
            json.NumberHandling = JsonNumberHandling.Strict;
        });
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    public static IServiceCollection AddRegistryValidators(this IServiceCollection services)
    {
        ValidationFilter.UseJsonPropertyNames();
        ValidatorOptions.Global.LanguageManager.Enabled = false;
        // Singletons: a validator's rules are built once (building them per request was ~7% of a POST's CPU);
        // what they need per request, the caller, they read from the request being served.
        services.AddValidatorsFromAssembly(typeof(JsonSetup).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        return services;
    }
}
