using Microsoft.EntityFrameworkCore;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Security;

/// <summary>
/// Makes sure an admin can get in. In development (or with Registry:Auth:DevelopmentKeys=true) it installs a
/// fixed, documented key set so the README tour works; otherwise, on the first start of an empty registry,
/// it creates one admin key and prints it once — it is never stored or shown again.
/// </summary>
public sealed class KeyBootstrap(RegistryDb db, IConfiguration configuration, IHostEnvironment environment, ILogger<KeyBootstrap> logger)
{
    public static readonly Guid TiantanHospital = Guid.Parse("7428361b-bc8b-44d5-a0a5-f5edc53db9a8");
    public static readonly Guid HarbinHospital = Guid.Parse("dfd43b41-1f6b-4367-8db2-227120d326cf");

    /// <summary>The development keys: public knowledge, for local use only.</summary>
    public static readonly IReadOnlyList<(string Key, string Name, Role Role, Guid? Hospital)> DevelopmentKeys =
    [
        ("hfs_devadmin_development-only-admin-key", "Development admin", Role.Admin, null),
        ("hfs_devanalyst_development-only-analyst-key", "Development analyst", Role.Analyst, null),
        ("hfs_devtiantan_development-only-hospital-key", "Development key of Beijing Tiantan Hospital", Role.Hospital, TiantanHospital),
        ("hfs_devharbin_development-only-hospital-key", "Development key of the Second Affiliated Hospital of Harbin Medical University", Role.Hospital, HarbinHospital),
    ];

    public bool UsesDevelopmentKeys =>
        configuration.GetValue<bool?>("Registry:Auth:DevelopmentKeys") ?? environment.IsDevelopment();

    /// <summary>
    /// Runs after the seeds (the hospital keys need their hospitals), in the start-up step (Startup/DatabaseStartup)
    /// whose lock makes instances starting together create the first admin key once.
    /// </summary>
    public Task EnsureKeysAsync(CancellationToken ct) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var firstAdminKey = await EnsureKeysLockedAsync(ct);
            await transaction.CommitAsync(ct);
            if (firstAdminKey is not null) Announce(firstAdminKey);
        });

    /// <returns>The first admin key when this call created it, else null.</returns>
    private async Task<string?> EnsureKeysLockedAsync(CancellationToken ct)
    {
        if (UsesDevelopmentKeys)
        {
            foreach (var (key, name, role, hospital) in DevelopmentKeys)
            {
                ApiKeySecrets.TryParse(key, out var prefix, out var secret);
                if (await db.ApiKeys.AnyAsync(k => k.Prefix == prefix, ct)) continue;
                if (hospital is { } h && !await db.Hospitals.AnyAsync(x => x.Id == h, ct)) continue;
                db.ApiKeys.Add(new ApiKey { Prefix = prefix, SecretHash = ApiKeySecrets.Hash(secret), Name = name, Role = role.ToCode(), HospitalId = hospital });
            }
            await db.SaveChangesAsync(ct);
            logger.LogWarning("Development API keys are active (see README); never enable them on a registry holding real data.");
            return null;
        }

        if (await db.ApiKeys.AnyAsync(k => k.Role == "admin" && k.RevokedAt == null, ct)) return null;
        var (newKey, newPrefix, hash) = ApiKeySecrets.Generate();
        db.ApiKeys.Add(new ApiKey { Prefix = newPrefix, SecretHash = hash, Name = "First admin key", Role = Role.Admin.ToCode() });
        await db.SaveChangesAsync(ct);
        logger.LogWarning("Created the first admin API key (prefix {Prefix}); it is printed to the console once", newPrefix);
        return newKey;
    }

    /// <summary>Printed once, to the console only: the registry keeps just the key's hash.</summary>
    private static void Announce(string key) =>
        Console.WriteLine($"""

            ==================================================================================
             HFS Registry: first admin API key (shown once, store it now):
               {key}
             Use it as 'Authorization: Bearer <key>'; create further keys with POST /api/v1/keys.
            ==================================================================================

            """);
}
