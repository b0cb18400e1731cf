using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Registry.Api.Data;

namespace Registry.Api.Drugs;

/// <summary>
/// The drug vocabulary: a small table that changes rarely, so it is kept in memory for
/// <c>Registry:Vocabulary:CacheSeconds</c> (default 30; 0 = no cache) and reloaded after that, or at once on this
/// instance when an admin adds a drug (every other instance knows a new drug within that bound).
/// Validating and answering a case costs no query.
/// </summary>
public sealed class DrugCatalog(IDbContextFactory<RegistryDb> contexts, IMemoryCache cache, IConfiguration configuration)
{
    public const string CacheSecondsSetting = "Registry:Vocabulary:CacheSeconds";
    private TimeSpan CacheFor => TimeSpan.FromSeconds(configuration.GetValue(CacheSecondsSetting, 30));
    private const string CacheKey = "drug-vocabulary";

    public async Task<IReadOnlyDictionary<string, Drug>> AllAsync(CancellationToken ct) =>
        CacheFor <= TimeSpan.Zero ? await LoadAsync(ct) : (await cache.GetOrCreateAsync(CacheKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return await LoadAsync(ct);
        }))!;

    private async Task<IReadOnlyDictionary<string, Drug>> LoadAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Drugs.AsNoTracking().ToDictionaryAsync(d => d.Code, StringComparer.Ordinal, ct);
    }

    /// <summary>Forget the cached vocabulary, after a drug was added.</summary>
    public void Invalidate() => cache.Remove(CacheKey);

    public async Task<bool> IsKnownAsync(string code, CancellationToken ct) => (await AllAsync(ct)).ContainsKey(code);

    public const string HowToFindCodes = "GET /api/v1/vocabulary lists the valid drug codes (drugs[].code).";
}

public static class DrugsSetup
{
    public static IServiceCollection AddDrugs(this IServiceCollection services) => services.AddSingleton<DrugCatalog>();
}
