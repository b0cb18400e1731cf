using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Registry.Api.Data;

namespace Registry.Api.Drugs;

/// <summary>
/// The drug vocabulary: a small table that changes rarely, so it is kept in memory for
/// <see cref="CacheFor"/> and reloaded after that, or at once on this instance when an admin adds a drug
/// (other instances know a new drug within <see cref="CacheFor"/>). Validating and answering a case costs no query.
/// </summary>
public sealed class DrugCatalog(IDbContextFactory<RegistryDb> contexts, IMemoryCache cache)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private const string CacheKey = "drug-vocabulary";

    public async Task<IReadOnlyDictionary<string, Drug>> AllAsync(CancellationToken ct) =>
        (await cache.GetOrCreateAsync(CacheKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var db = await contexts.CreateDbContextAsync(ct);
            return (IReadOnlyDictionary<string, Drug>)await db.Drugs.AsNoTracking()
                .ToDictionaryAsync(d => d.Code, StringComparer.Ordinal, ct);
        }))!;

    /// <summary>Forget the cached vocabulary, after a drug was added.</summary>
    public void Invalidate() => cache.Remove(CacheKey);

    public async Task<bool> IsKnownAsync(string code, CancellationToken ct) => (await AllAsync(ct)).ContainsKey(code);

    public const string HowToFindCodes = "GET /api/v1/vocabulary lists the valid drug codes (drugs[].code).";
}

public static class DrugsSetup
{
    public static IServiceCollection AddDrugs(this IServiceCollection services) => services.AddSingleton<DrugCatalog>();
}
