using Microsoft.AspNetCore.Authentication;
using Registry.Api.Data;

namespace Registry.Api.Security;

public static class SecuritySetup
{
    public static IServiceCollection AddRegistrySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMemoryCache();
        services.AddHttpContextAccessor();
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorization(Policies.Add);
        services.AddRegistryRateLimiting(configuration);
        services.AddScoped<KeyBootstrap>();
        // The caller of the request being served; its tenancy and role are what every feature checks.
        services.AddScoped(provider => Caller.Current(provider.GetRequiredService<IHttpContextAccessor>()));
        return services;
    }
}
