using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
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
    /// Who this context works for; set per request (see DatabaseSetup). Every connection the context opens tells
    /// PostgreSQL (Data/CallerConnectionInterceptor), whose row-level security confines a hospital caller to its
    /// own hospital's rows; the audit rows name it (Audit/AuditStamping).
    /// </summary>
    public Caller Caller { get; set; } = Caller.System;

    /// <summary>The request id recorded with each audit row.</summary>
    public string? RequestId { get; set; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RegistryDb).Assembly);
        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => !e.IsMappedToJson()))
            foreach (var property in entity.GetProperties())
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
    }

    /// <summary>
    /// Runs a request's queries and its save on one pooled connection. EF Core otherwise opens one per query and
    /// returns it at once; each checkout costs the pool's reset and a registry_set_caller round trip, which were
    /// five of each per whole-case write (docs/performance.md).
    /// </summary>
    public async Task<T> OnOneConnectionAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await Database.OpenConnectionAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            await Database.CloseConnectionAsync();
        }
    }

    /// <summary>The audit rows of the save in progress, from Audit/AuditStamping; stored by <see cref="SaveChangesAsync(bool, CancellationToken)"/>.</summary>
    internal List<AuditEntry> PendingAudit { get; set; } = [];

    /// <summary>
    /// Saves (stamped by Audit/AuditStamping) and stores the save's audit rows in one INSERT in the same transaction:
    /// the caller's, else one of its own, where EF Core would have opened one. Refuses to report success for writes a
    /// dead connection lost.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (Database.CurrentTransaction is { } transaction)
            return await SaveAndAuditAsync(transaction, acceptAllChangesOnSuccess, cancellationToken);
        return await Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var own = await Database.BeginTransactionAsync(ct);
            // EF Core wraps a save inside a transaction in a savepoint, so that its caller may go on after a failure.
            // Nobody goes on in this one: a failure rolls it all back. The savepoint cost two statements and a
            // subtransaction per write.
            Database.AutoSavepointsEnabled = false;
            int saved;
            try
            {
                saved = await SaveAndAuditAsync(own, acceptAllChangesOnSuccess: false, ct);
            }
            finally
            {
                Database.AutoSavepointsEnabled = true;
            }
            await own.CommitAsync(ct);
            if (acceptAllChangesOnSuccess) ChangeTracker.AcceptAllChanges();
            return saved;
        }, cancellationToken);
    }

    private async Task<int> SaveAndAuditAsync(IDbContextTransaction transaction, bool acceptAllChangesOnSuccess, CancellationToken ct)
    {
        var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        // Inside a transaction EF Core releases a savepoint last, and ignores a failure to: a connection that died just
        // then would report success for writes that can no longer commit, and the INSERT below would fail untransiently.
        TransactionLostException.ThrowIfLost(Database, transaction);
        var audited = PendingAudit;
        PendingAudit = [];
        await Tables.AuditLog.InsertAsync((Npgsql.NpgsqlConnection)Database.GetDbConnection(), audited, ct);
        return saved;
    }
}
