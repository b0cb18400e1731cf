using Microsoft.EntityFrameworkCore;
using Registry.Api.CaseChildren;
using Registry.Api.Data;
using Registry.Api.Medications;
using Registry.Api.Outcomes;

namespace Registry.Api.Cases;

/// <summary>
/// A case's summary columns (drugs, final outcome, first improvement day) and the one place their rules live. The
/// writers keep them, in the transaction of the write: whole-case writes (POST, PUT, bulk COPY, the seed loader, FHIR
/// import) fill them in before saving, and the child routes refresh them after saving (<see cref="Refresh"/>). No
/// trigger checks them at commit any more (migration 0044 dropped those, docs/performance.md has the measurement).
/// </summary>
public static class SummaryColumns
{
    private static readonly string[] Improved = ["resolved", "marked-improvement", "improved"];

    /// <summary>What the columns hold for a case with these medications and outcomes.</summary>
    public sealed record Summary(List<string> Drugs, string? FinalOutcomeStatus, int? FinalOutcomeDay, int? FirstImprovementDay);

    public static Summary Of(IEnumerable<string> drugs, IReadOnlyCollection<Outcome> outcomes)
    {
        var latest = outcomes
            .OrderByDescending(o => o.Day)
            // Ties: the last in the case's list, the highest ordinal.
            .ThenByDescending(o => o.Ordinal)
            // Guid.CompareTo orders as PostgreSQL orders uuids: by their text, byte by byte.
            .ThenByDescending(o => o.Id)
            .FirstOrDefault();
        return new([.. drugs.Distinct().Order(StringComparer.Ordinal)], latest?.Status, latest?.Day,
            outcomes.Where(o => Improved.Contains(o.Status)).Select(o => (int?)o.Day).Min());
    }

    /// <summary>Fills in the columns of a case whose children are all in hand, before a whole-case write is saved.</summary>
    public static void Fill(Case c)
    {
        var summary = Of(c.Medications.Select(m => m.Drug), c.Outcomes);
        c.Drugs = summary.Drugs;
        c.FinalOutcomeStatus = summary.FinalOutcomeStatus;
        c.FinalOutcomeDay = summary.FinalOutcomeDay;
        c.FirstImprovementDay = summary.FirstImprovementDay;
    }

    /// <summary>
    /// After a medication or outcome was saved through its own route: the case row is locked first, so that concurrent
    /// child writes to one case take turns and the last to commit reads every child the others committed. NO KEY
    /// UPDATE, the lock the UPDATE takes anyway: FOR UPDATE would wait for the KEY SHARE lock that each concurrent
    /// child insert holds on its case (the foreign key), while that insert waits for this one: a deadlock.
    /// </summary>
    public sealed class Refresh : ICaseDerivedColumns
    {
        public async Task RefreshAsync(RegistryDb db, Guid caseId, Type childType, CancellationToken ct)
        {
            if (childType != typeof(Medication) && childType != typeof(Outcome)) return;
            var stored = await db.Database.SqlQuery<Stored>($"""
                SELECT drugs AS "Drugs", final_outcome_status AS "FinalOutcomeStatus", final_outcome_day AS "FinalOutcomeDay",
                       first_improvement_day AS "FirstImprovementDay"
                FROM cases WHERE id = {caseId} FOR NO KEY UPDATE
                """).SingleOrDefaultAsync(ct);
            if (stored is null) return;
            var summary = Of(
                await db.Medications.AsNoTracking().Where(m => m.CaseId == caseId).Select(m => m.Drug).ToListAsync(ct),
                await db.Outcomes.AsNoTracking().Where(o => o.CaseId == caseId).ToListAsync(ct));
            if (stored.Drugs.SequenceEqual(summary.Drugs) && (stored.FinalOutcomeStatus, stored.FinalOutcomeDay, stored.FirstImprovementDay)
                == (summary.FinalOutcomeStatus, summary.FinalOutcomeDay, summary.FirstImprovementDay)) return;
            await db.Cases.Where(c => c.Id == caseId).ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Drugs, summary.Drugs)
                .SetProperty(c => c.FinalOutcomeStatus, summary.FinalOutcomeStatus)
                .SetProperty(c => c.FinalOutcomeDay, summary.FinalOutcomeDay)
                .SetProperty(c => c.FirstImprovementDay, summary.FirstImprovementDay), ct);
        }

        private sealed record Stored(string[] Drugs, string? FinalOutcomeStatus, int? FinalOutcomeDay, int? FirstImprovementDay);
    }
}
