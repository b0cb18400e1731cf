using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer hfs_…</c>. A verified key is cached for a few seconds so a busy
/// client does not cost a lookup per request; revoking through the API evicts it at once on this instance, and
/// every other instance stops accepting it within <c>Registry:Auth:KeyCacheSeconds</c> (default 10; 0 = no cache).
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    RegistryConnections connections, IMemoryCache cache, IProblemDetailsService problems, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string CacheSecondsSetting = "Registry:Auth:KeyCacheSeconds";
    private TimeSpan CacheFor => TimeSpan.FromSeconds(configuration.GetValue(CacheSecondsSetting, 10));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !ApiKeySecrets.TryParse(header["Bearer ".Length..].Trim(), out var prefix, out var secret))
            return AuthenticateResult.Fail("Malformed API key.");

        var key = CacheFor <= TimeSpan.Zero ? await FindAsync(prefix) : await cache.GetOrCreateAsync(CacheKey(prefix), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return await FindAsync(prefix);
        });
        if (key is null || !ApiKeySecrets.Matches(secret, key.SecretHash)) return AuthenticateResult.Fail("Unknown or revoked API key.");

        var caller = new Caller(key.Id, KebabEnum.Parse<Role>(key.Role), key.HospitalId);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(caller.ToClaims(), SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = 401, Title = "An API key is required.",
                Detail = "Send 'Authorization: Bearer <key>' with a valid, unrevoked key. Admins create keys with POST /api/v1/keys.",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = 403, Title = "This key's role may not do this.",
                Detail = "Hospital keys create and read their own hospital's patients and cases; analyst keys read cases and analytics; admin keys do everything.",
            },
        });
    }

    public static string CacheKey(string prefix) => $"api-key:{prefix}";

    /// <summary>
    /// From the primary; while it is unreachable (a failover), from the read data source, so that reads served by
    /// the replicas keep being answered. A replica knows every key the primary had committed before it went away.
    /// </summary>
    private async Task<ApiKey?> FindAsync(string prefix)
    {
        try
        {
            return await FindAsync(connections, prefix);
        }
        catch (NpgsqlException ex) when (ex.IsTransient || ex.SqlState?.StartsWith("08", StringComparison.Ordinal) == true)
        {
            var read = Context.RequestServices.GetRequiredKeyedService<RegistryConnections>(Data.RegistryDataSources.Read);
            if (ReferenceEquals(read, connections)) throw;
            return await FindAsync(read, prefix);
        }
    }

    private async Task<ApiKey?> FindAsync(RegistryConnections source, string prefix)
    {
        // Before authentication there is no caller yet: the lookup runs as the service (api_keys has no row-level security).
        var system = source.For(Caller.System);
        await using var batch = system.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT id, secret_hash, role, hospital_id FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL") { Parameters = { new() { Value = prefix } } });
        await using var reader = await system.ExecuteReaderAsync(batch, Context.RequestAborted);
        if (!await reader.ReadAsync(Context.RequestAborted)) return null;
        return new ApiKey
        {
            Id = reader.GetGuid(0), Prefix = prefix, SecretHash = (byte[])reader[1], Name = "", Role = reader.GetString(2),
            HospitalId = reader.IsDBNull(3) ? null : reader.GetGuid(3),
        };
    }
}
