using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;
using Registry.Api.Vocabulary;

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

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RegistryDb).Assembly);

        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => !e.IsMappedToJson()))
            foreach (var property in entity.GetProperties())
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
    }

    /// <summary>Stamps timestamps and bumps versions, so no handler has to remember to.</summary>
    public override Task<int> SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var entry in ChangeTracker.Entries<Versioned>())
        {
            // Measurements and adjustments live in jsonb columns as owned entities: a change to them alone is
            // a change to their owner, so it bumps the owner's version too.
            if (entry.State == EntityState.Unchanged && entry.Collections.Any(c =>
                    c.Metadata.TargetEntityType.IsOwned() && c.IsModified))
                entry.State = EntityState.Modified;

            if (entry.State == EntityState.Added)
            {
                entry.Entity.CreatedAt = now;
                entry.Entity.UpdatedAt = now;
                entry.Entity.Version = 1;
            }
            else if (entry.State == EntityState.Modified)
            {
                entry.Entity.UpdatedAt = now;
                entry.Entity.Version = entry.OriginalValues.GetValue<int>(nameof(Versioned.Version)) + 1;
            }
        }
        foreach (var entry in ChangeTracker.Entries<Drug>().Where(e => e.State == EntityState.Added))
            entry.Entity.CreatedAt = now;
        return base.SaveChangesAsync(cancellationToken);
    }
}
