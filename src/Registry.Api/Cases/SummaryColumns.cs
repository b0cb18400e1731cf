using Registry.Api.Drugs;

namespace Registry.Api.Cases;

/// <summary>
/// Fills in a case's summary columns (drugs, final outcome, first improvement) from its medications and outcomes,
/// by the rules of the database's refresh_case_summary (migrations 0014, 0021), before a whole-case write is saved. The
/// database stays the authority: its triggers check the columns when the transaction commits and correct them if
/// they differ. Filled in here, the commit finds nothing to change and the case row is written once, not twice.
/// </summary>
public static class SummaryColumns
{
    private static readonly string[] Improved = ["resolved", "marked-improvement", "improved"];

    public static void Fill(Case c)
    {
        c.Drugs = c.Medications.Select(m => m.Drug).Distinct().Order(StringComparer.Ordinal).ToList();
        var latest = c.Outcomes
            .OrderByDescending(o => o.Day)
            // Ties: the last in the case's list (migration 0021).
            .ThenByDescending(o => o.Ordinal)
            // Guid.CompareTo orders as PostgreSQL orders uuids: by their text, byte by byte.
            .ThenByDescending(o => o.Id)
            .FirstOrDefault();
        c.FinalOutcomeStatus = latest?.Status;
        c.FinalOutcomeDay = latest?.Day;
        c.FirstImprovementDay = c.Outcomes.Where(o => Improved.Contains(o.Status)).Select(o => (int?)o.Day).Min();
    }
}
