using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>
/// A token bucket per API key (per client address for requests without one), so one busy client is slowed
/// down without slowing anyone else. Over the limit: 429 problem with Retry-After.
/// With N instances behind a round-robin balancer, <c>Registry:RateLimit:Instances</c> = N gives each instance
/// a 1/N share of the rate and of the burst, so that the shares add up to the configured limit (docs/ha.md).
/// </summary>
public static class RateLimiting
{
    public const string PerKey = "per-key";

    public static IServiceCollection AddRegistryRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var perSecond = configuration.GetValue("Registry:RateLimit:PerSecond", 200);
        var burst = configuration.GetValue("Registry:RateLimit:Burst", 400);
        var instances = Math.Max(1, configuration.GetValue("Registry:RateLimit:Instances", 1));
        var (sharePerSecond, shareBurst) = (Math.Max(1, perSecond / instances), Math.Max(1, burst / instances));
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(PerKey, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.FindFirstValue(Caller.KeyIdClaim) ?? $"ip:{context.Connection.RemoteIpAddress}",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = shareBurst, TokensPerPeriod = sharePerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0, AutoReplenishment = true,
                }));
            options.OnRejected = async (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                await rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails =
                    {
                        Status = 429, Title = "Too many requests for this key.",
                        Detail = $"This key may make {perSecond} requests per second (bursts up to {burst})" +
                            (instances > 1 ? $", {sharePerSecond} per second (bursts up to {shareBurst}) on each of {instances} instances" : "") +
                            "; retry after the Retry-After delay.",
                    },
                });
            };
        });
        return services;
    }
}
