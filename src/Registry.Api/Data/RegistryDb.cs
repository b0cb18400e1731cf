using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Audit;
using Registry.Api.Cases;
using Registry.Api.Common;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Security;

namespace Registry.Api.Data;

/// <summary>The registry's DbContext. The schema itself is owned by the SQL files in Data/Migrations.</summary>
public sealed class RegistryDb(DbContextOptions<RegistryDb> options) : DbContext(options)
{
    public DbSet<Hospital> Hospitals => Set<Hospital>();
    public DbSet<Patient> Patients => Set<Patient>();
    public DbSet<Case> Cases => Set<Case>();
    public DbSet<Diagnostic> Diagnostics => Set<Diagnostic>();
    public DbSet<Medication> Medications => Set<Medication>();
    public DbSet<Outcome> Outcomes => Set<Outcome>();
    public DbSet<Drug> Drugs => Set<Drug>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    /// <summary>
    /// Who this context works for; set per request (see DatabaseSetup). A hospital caller's queries only ever
    /// see its own hospital's patients, cases and case children, through the query filters below.
    /// </summary>
    public Caller Caller { get; set; } = Caller.System;

    /// <summary>The request id recorded with each audit row.</summary>
    public string? RequestId { get; set; }

    private Guid? Tenant => Caller.TenantHospitalId;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RegistryDb).Assembly);
        modelBuilder.Entity<Patient>().HasQueryFilter(x => Tenant == null || x.HospitalId == Tenant);
        modelBuilder.Entity<Case>().HasQueryFilter(x => Tenant == null || x.HospitalId == Tenant);
        modelBuilder.Entity<Diagnostic>().HasQueryFilter(x => Tenant == null || x.HospitalId == Tenant);
        modelBuilder.Entity<Medication>().HasQueryFilter(x => Tenant == null || x.HospitalId == Tenant);
        modelBuilder.Entity<Outcome>().HasQueryFilter(x => Tenant == null || x.HospitalId == Tenant);

        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => !e.IsMappedToJson()))
            foreach (var property in entity.GetProperties())
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
    }

    /// <summary>
    /// Stamps timestamps, bumps versions and writes an audit row for every created, changed or deleted
    /// resource — all in the same SaveChanges, so the change and its audit row commit together or not at all.
    /// </summary>
    public override async Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var entry in ChangeTracker.Entries<Versioned>())
        {
            // Measurements and adjustments live in jsonb columns as owned entities: a change to them alone is
            // a change to their owner, so it bumps the owner's version too.
            if (entry.State == EntityState.Unchanged && entry.Collections.Any(c =>
                    c.Metadata.TargetEntityType.IsOwned() && c.IsModified))
                entry.State = EntityState.Modified;

            if (entry.State == EntityState.Added) StampCreated(entry.Entity, now);
            else if (entry.State == EntityState.Modified)
            {
                entry.Entity.UpdatedAt = now;
                entry.Entity.Version = entry.OriginalValues.GetValue<int>(nameof(Versioned.Version)) + 1;
            }
        }
        var audited = ChangeTracker.Entries<Versioned>()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .Select(e => e.State switch
            {
                EntityState.Added => AuditCreated(e.Entity, now),
                EntityState.Deleted => Audit(AuditAction.Delete, ResourceName(e.Entity), e.Entity.Id.ToString(),
                    e.OriginalValues.GetValue<int>(nameof(Versioned.Version)), null, now),
                _ => Audit(AuditAction.Update, ResourceName(e.Entity), e.Entity.Id.ToString(),
                    e.OriginalValues.GetValue<int>(nameof(Versioned.Version)), e.Entity.Version, now),
            })
            .ToList();
        // Keys and vocabulary entries carry no version, but adding or revoking them is a write like any other.
        audited.AddRange(ChangeTracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified)
            .Select(e => e.Entity switch
            {
                ApiKey key => Audit(e.State == EntityState.Added ? AuditAction.Create : AuditAction.Update, "api-key", key.Id.ToString(), null, null, now),
                Drug drug => Audit(AuditAction.Create, "drug", drug.Code, null, null, now),
                _ => null,
            })
            .OfType<AuditEntry>());
        AuditLog.AddRange(audited);
        foreach (var entry in ChangeTracker.Entries<Drug>().Where(e => e.State == EntityState.Added))
            entry.Entity.CreatedAt = now;
        var transaction = Database.CurrentTransaction;
        var saved = await base.SaveChangesAsync(cancellationToken);
        // Inside a caller's transaction EF Core releases a savepoint last, and ignores a failure to: a connection that
        // died just then would report success for writes that can no longer commit.
        if (transaction is not null) TransactionLostException.ThrowIfLost(Database, transaction);
        return saved;
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
    public AuditEntry AuditCreated(Versioned entity, DateTimeOffset at) =>
        Audit(AuditAction.Create, ResourceName(entity), entity.Id.ToString(), null, entity.Version, at);

    private AuditEntry Audit(AuditAction action, string resource, string id, int? before, int? after, DateTimeOffset at) => new()
    {
        At = at, RequestId = RequestId, ApiKeyId = Caller.KeyId, Role = Caller.AuditRole,
        HospitalId = Caller.HospitalId, Action = action.ToCode(), Resource = resource, ResourceId = id,
        VersionBefore = before, VersionAfter = after,
    };

    private static string ResourceName(Versioned entity) => JsonNamingPolicy.KebabCaseLower.ConvertName(entity.GetType().Name);
}
