using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Registry.Api.Audit;
using Registry.Api.Common;
using Registry.Api.Data;

namespace Registry.Api.Audit;

/// <summary>
/// Stamps timestamps, bumps versions and adds an audit row for every created, changed or deleted resource, in the
/// SaveChanges that stores them, so a change and its audit row commit together or not at all. The time is the
/// registered <see cref="TimeProvider"/>'s; the audit identity is the context's caller and request id.
/// </summary>
public sealed class AuditStamping(TimeProvider clock) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        // The synchronous save has no RegistryDb step after it: its audit rows are saved as entities.
        if (eventData.Context is RegistryDb db) db.AuditLog.AddRange(Stamp(db));
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        // RegistryDb.SaveChangesAsync stores them, in one INSERT, after EF Core's statements and before the commit.
        if (eventData.Context is RegistryDb db) db.PendingAudit = Stamp(db);
        return ValueTask.FromResult(result);
    }

    private List<AuditEntry> Stamp(RegistryDb db)
    {
        // EF Core detects changes after this interceptor, before it saves. Detecting once here, and not again on each
        // Entries() below, had taken a tenth of the API's CPU in the mixed load (docs/performance.md).
        db.ChangeTracker.DetectChanges();
        var detecting = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            var now = clock.GetUtcNow();
            var entries = db.ChangeTracker.Entries().ToList();
            var audited = new List<AuditEntry>();
            foreach (var entry in entries)
            {
                if (entry.Entity is Versioned versioned) Stamp(db, entry, versioned, now, audited);
                // Keys and vocabulary entries carry no version, but adding or revoking them is a write like any other.
                else if (entry.State is EntityState.Added or EntityState.Modified && entry.Entity switch
                {
                    Security.ApiKey key => Entry(db, entry.State == EntityState.Added ? AuditAction.Create : AuditAction.Update, "api-key", key.Id.ToString(), null, null, now),
                    Drugs.Drug drug => Entry(db, AuditAction.Create, "drug", drug.Code, null, null, now),
                    _ => null,
                } is { } write)
                    audited.Add(write);
                if (entry is { Entity: Drugs.Drug added, State: EntityState.Added }) added.CreatedAt = now;
            }
            return audited;
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detecting;
        }
    }

    private static void Stamp(RegistryDb db, EntityEntry entry, Versioned entity, DateTimeOffset now, List<AuditEntry> audited)
    {
        // Measurements and adjustments live in jsonb columns as owned entities: a change to them alone is
        // a change to their owner, so it bumps the owner's version too.
        if (entry.State == EntityState.Unchanged && entry.Collections.Any(c =>
                c.Metadata.TargetEntityType.IsOwned() && c.IsModified))
            entry.State = EntityState.Modified;

        switch (entry.State)
        {
            case EntityState.Added:
                StampCreated(entity, now);
                audited.Add(Created(db, entity, now));
                break;
            case EntityState.Modified:
                var before = entry.OriginalValues.GetValue<int>(nameof(Versioned.Version));
                entity.UpdatedAt = now;
                entity.Version = before + 1;
                audited.Add(Entry(db, AuditAction.Update, ResourceName(entity), entity.Id.ToString(), before, entity.Version, now));
                break;
            case EntityState.Deleted:
                audited.Add(Entry(db, AuditAction.Delete, ResourceName(entity), entity.Id.ToString(),
                    entry.OriginalValues.GetValue<int>(nameof(Versioned.Version)), null, now));
                break;
        }
    }

    /// <summary>What saving a new resource stamps on it: version 1, created and updated now.</summary>
    public static void StampCreated(Versioned entity, DateTimeOffset now)
    {
        entity.CreatedAt = now;
        entity.UpdatedAt = now;
        entity.Version = 1;
    }

    /// <summary>
    /// The audit row of a new resource, as SaveChanges writes it; also for rows stored without SaveChanges (bulk
    /// ingest COPYs its chunks), so every created resource is audited alike.
    /// </summary>
    public static AuditEntry Created(RegistryDb db, Versioned entity, DateTimeOffset at) =>
        Entry(db, AuditAction.Create, ResourceName(entity), entity.Id.ToString(), null, entity.Version, at);

    private static AuditEntry Entry(RegistryDb db, AuditAction action, string resource, string id, int? before, int? after, DateTimeOffset at) => new()
    {
        At = at, RequestId = db.RequestId, ApiKeyId = db.Caller.KeyId, Role = db.Caller.AuditRole,
        HospitalId = db.Caller.HospitalId, Action = action.ToCode(), Resource = resource, ResourceId = id,
        VersionBefore = before, VersionAfter = after,
    };

    private static string ResourceName(Versioned entity) => JsonNamingPolicy.KebabCaseLower.ConvertName(entity.GetType().Name);
}
