using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Registry.Api.Data;

/// <summary>
/// The connection under an open transaction died, and the transaction with it, while the code carried on: EF Core
/// logs and ignores a failed release of SaveChanges' savepoint, and reopens a dead connection without the transaction,
/// so later commands would run outside it (autocommitted) or fail as "Transaction is already completed". Nothing of
/// the transaction was committed. Transient: the execution strategy runs the whole unit again, and when it cannot,
/// the API answers 503 (see ProblemExceptionHandler).
/// </summary>
public sealed class TransactionLostException()
    : NpgsqlException("The database connection was lost inside a transaction; nothing of it was committed.")
{
    public override bool IsTransient => true;

    /// <summary>Throws unless <paramref name="transaction"/> is still the context's transaction, on a live connection.</summary>
    public static void ThrowIfLost(DatabaseFacade database, IDbContextTransaction transaction)
    {
        if (database.CurrentTransaction != transaction || !IsLive(transaction.GetDbTransaction())
            || database.GetDbConnection().State != ConnectionState.Open)
            throw new TransactionLostException();
    }

    /// <summary>Npgsql answers a completed transaction's Connection with null, a broken one's with ObjectDisposedException.</summary>
    private static bool IsLive(System.Data.Common.DbTransaction transaction)
    {
        try
        {
            return transaction.Connection is not null;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}
