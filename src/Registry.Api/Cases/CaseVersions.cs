using Dapper;
using Npgsql;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Cases;

/// <summary>One stored version of a case: when it was written, and whether it is the case's deletion.</summary>
public sealed record CaseVersionSummary(int Version, DateTimeOffset RecordedAt, bool Deleted);

/// <summary>A case's versions, oldest first; the last is a deletion when the case was deleted.</summary>
public sealed record CaseVersionList(Guid CaseId, List<CaseVersionSummary> Versions);

/// <summary>
/// The history the database keeps of every case (migration 0032: each write stores the whole case in case_versions,
/// a deletion a tombstone). A hospital caller sees only its own hospital's cases, as every read does; the history of
/// a deleted case is for admins only — anyone else is told the case is gone.
/// </summary>
public static class CaseVersions
{
    private sealed class Row
    {
        public int Version { get; init; }
        public DateTime RecordedAt { get; init; }
        public bool Deleted { get; init; }
    }

    /// <summary>Every version of the case the caller may see, oldest first; empty when it may see none.</summary>
    public static async Task<List<CaseVersionSummary>> ListAsync(CallerDataSource dataSource, Guid caseId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT version, recorded_at AS RecordedAt, deleted FROM case_versions
            WHERE case_id = @caseId
            ORDER BY version
            """, new { caseId }, cancellationToken: ct));
        return rows.Select(r => new CaseVersionSummary(r.Version, new DateTimeOffset(r.RecordedAt, TimeSpan.Zero), r.Deleted)).ToList();
    }

    /// <summary>The ids among <paramref name="caseIds"/> of deleted cases the caller could see when they existed.</summary>
    public static async Task<List<Guid>> DeletedAsync(CallerDataSource dataSource, IReadOnlyCollection<Guid> caseIds, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT case_id FROM case_versions
            WHERE deleted AND case_id = ANY(@caseIds)
            """, new { caseIds = caseIds.ToArray() }, cancellationToken: ct))).ToList();
    }

    /// <summary>Whether the history may be shown to the caller: a deleted case's only to admins.</summary>
    public static bool MayRead(IReadOnlyCollection<CaseVersionSummary> versions, Caller caller) =>
        caller.Role == Role.Admin || !versions.Any(v => v.Deleted);
}
