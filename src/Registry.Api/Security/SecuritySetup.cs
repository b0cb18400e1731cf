using Microsoft.AspNetCore.Authentication;

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
        return services;
    }
}
