using Microsoft.EntityFrameworkCore;
using Registry.Api.Data;

namespace Registry.Api.Vocabulary;

/// <summary>
/// The drug vocabulary as one request sees it: loaded at most once per request (the table is small), so
/// validating a case with many medications costs one query, and a drug added by an admin is known at once.
/// </summary>
public sealed class DrugCatalog(RegistryDb db)
{
    private Dictionary<string, Drug>? _drugs;

    public async Task<IReadOnlyDictionary<string, Drug>> AllAsync(CancellationToken ct) =>
        _drugs ??= await db.Drugs.AsNoTracking().ToDictionaryAsync(d => d.Code, StringComparer.Ordinal, ct);

    public async Task<bool> IsKnownAsync(string code, CancellationToken ct) => (await AllAsync(ct)).ContainsKey(code);

    public const string HowToFindCodes = "GET /api/v1/vocabulary lists the valid drug codes (drugs[].code).";
}
