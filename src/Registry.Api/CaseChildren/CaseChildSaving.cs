using Microsoft.EntityFrameworkCore;
using Registry.Api.Data;

namespace Registry.Api.CaseChildren;

/// <summary>Columns of a case derived from its children (its summary), kept by the feature that owns them.</summary>
public interface ICaseDerivedColumns
{
    /// <summary>Brings them up to date after a child of <paramref name="childType"/> was saved, in the same transaction.</summary>
    Task RefreshAsync(RegistryDb db, Guid caseId, Type childType, CancellationToken ct);
}

public static class CaseChildSaving
{
    /// <summary>
    /// Saves a change to one child of a case and refreshes the case's derived columns in one transaction: the one
    /// already open (an Idempotency-Key request's), else one of its own, retried whole on a transient failure.
    /// </summary>
    public static async Task SaveAsync(RegistryDb db, Guid caseId, Type childType, IServiceProvider services, CancellationToken ct)
    {
        var derived = services.GetServices<ICaseDerivedColumns>().ToList();
        if (db.Database.CurrentTransaction is not null)
        {
            await db.SaveChangesAsync(ct);
            foreach (var columns in derived) await columns.RefreshAsync(db, caseId, childType, ct);
            return;
        }

        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct);
            foreach (var columns in derived) await columns.RefreshAsync(db, caseId, childType, ct);
            await transaction.CommitAsync(ct);
        });
        db.ChangeTracker.AcceptAllChanges();
    }
}
