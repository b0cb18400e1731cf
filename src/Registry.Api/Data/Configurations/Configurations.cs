using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Registry.Api.Cases;
using Registry.Api.Diagnostics;
using Registry.Api.Drugs;
using Registry.Api.Hospitals;
using Registry.Api.Medications;
using Registry.Api.Outcomes;
using Registry.Api.Patients;

namespace Registry.Api.Data.Configurations;

internal sealed class HospitalConfiguration : IEntityTypeConfiguration<Hospital>
{
    public void Configure(EntityTypeBuilder<Hospital> b) => b.ToTable("hospitals").Versioned();
}

internal sealed class PatientConfiguration : IEntityTypeConfiguration<Patient>
{
    public void Configure(EntityTypeBuilder<Patient> b)
    {
        b.ToTable("patients").Versioned();
        b.HasOne<Hospital>().WithMany().HasForeignKey(p => p.HospitalId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CaseConfiguration : IEntityTypeConfiguration<Case>
{
    public void Configure(EntityTypeBuilder<Case> b)
    {
        b.ToTable("cases").Versioned();
        // Relationships EF needs to order inserts (patient before case); the database's own foreign keys
        // are stricter: cases reference (patient id, hospital id) so a case can never cross hospitals.
        b.HasOne<Patient>().WithMany().HasForeignKey(c => c.PatientId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Hospital>().WithMany().HasForeignKey(c => c.HospitalId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(c => c.Diagnostics).WithOne().HasForeignKey(d => d.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Medications).WithOne().HasForeignKey(m => m.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Outcomes).WithOne().HasForeignKey(o => o.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DiagnosticConfiguration : IEntityTypeConfiguration<Diagnostic>
{
    public void Configure(EntityTypeBuilder<Diagnostic> b)
    {
        b.ToTable("diagnostics").Versioned();
        b.OwnsMany(d => d.Measurements, m => m.ToCamelCaseJson("measurements"));
    }
}

internal sealed class MedicationConfiguration : IEntityTypeConfiguration<Medication>
{
    public void Configure(EntityTypeBuilder<Medication> b)
    {
        b.ToTable("medications").Versioned();
        b.OwnsMany(m => m.Adjustments, a => a.ToCamelCaseJson("adjustments"));
    }
}

internal sealed class OutcomeConfiguration : IEntityTypeConfiguration<Outcome>
{
    public void Configure(EntityTypeBuilder<Outcome> b) => b.ToTable("outcomes").Versioned();
}

internal sealed class DrugConfiguration : IEntityTypeConfiguration<Drug>
{
    public void Configure(EntityTypeBuilder<Drug> b)
    {
        b.ToTable("drugs");
        b.HasKey(d => d.Code);
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<Security.ApiKey>
{
    public void Configure(EntityTypeBuilder<Security.ApiKey> b)
    {
        b.ToTable("api_keys");
        b.Property(k => k.Id).ValueGeneratedNever();
        b.Property(k => k.CreatedAt).HasDefaultValueSql("now()").ValueGeneratedOnAdd();
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<Audit.AuditEntry>
{
    public void Configure(EntityTypeBuilder<Audit.AuditEntry> b)
    {
        b.ToTable("audit_log");
        b.Property(a => a.Id).UseIdentityAlwaysColumn();
    }
}

internal static class VersionedConfiguration
{
    /// <summary>The version column is the optimistic-concurrency token of every resource.</summary>
    public static EntityTypeBuilder<T> Versioned<T>(this EntityTypeBuilder<T> b) where T : Versioned
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.Version).IsConcurrencyToken();
        return b;
    }
}

internal static class JsonColumns
{
    /// <summary>A list stored in one jsonb column, each member under its camelCase name, as the API spells it.</summary>
    public static void ToCamelCaseJson<TOwner, TItem>(this OwnedNavigationBuilder<TOwner, TItem> items, string column)
        where TOwner : class where TItem : class
    {
        items.ToJson(column);
        foreach (var property in typeof(TItem).GetProperties())
            items.Property(property.Name).HasJsonPropertyName(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(property.Name));
    }
}
