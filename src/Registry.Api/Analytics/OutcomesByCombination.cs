using Dapper;
using Npgsql;
using Registry.Api.Cases;

using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Analytics;

/// <summary>How the cases given exactly one combination of drugs fared.</summary>
/// <param name="Drugs">The combination: the distinct drug codes given in the case, sorted. A case counts under exactly one combination.</param>
/// <param name="Cases">Cases (matching the filters) given exactly these drugs.</param>
/// <param name="FinalOutcomes">How many of those cases ended in each final-outcome status; notAssessed counts cases without any assessment.</param>
/// <param name="ImprovedOrBetter">Cases whose final outcome is improved, marked-improvement or resolved.</param>
/// <param name="ImprovedOrBetterShare">ImprovedOrBetter divided by the cases that have an assessment (0–1, 4 decimals); null when none has.</param>
/// <param name="ImprovedOrBetterCi95">The 95% Wilson score interval of that share (4 decimals); null when no case has an assessment.</param>
/// <param name="MedianDaysToFirstImprovement">Median, over cases that ever improved, of the first day an assessment found them improved or better; null when none did.</param>
public sealed record CombinationOutcomes(
    List<string> Drugs, int? Cases, FinalOutcomeCounts FinalOutcomes, int? ImprovedOrBetter, double? ImprovedOrBetterShare,
    ConfidenceInterval? ImprovedOrBetterCi95, double? MedianDaysToFirstImprovement);

/// <param name="TotalCases">Cases matching the filters, with or without medications.</param>
/// <param name="CasesWithoutDrugs">Of those, cases with no medication recorded (they belong to no combination).</param>
/// <param name="Combinations">One entry per drug combination given, most cases first (ties by the combination's codes).</param>
/// <param name="MinCellSize">k: counts from 1 to k−1 are suppressed (null) for this key; 1 means nothing is.</param>
public sealed record OutcomesByCombinationReport(int? TotalCases, int? CasesWithoutDrugs, List<CombinationOutcomes> Combinations, int MinCellSize = 1);

public static class OutcomesByCombinationQuery
{
    public static async Task<OutcomesByCombinationReport> RunAsync(
        CallerDataSource dataSource, CaseFilters filters, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql();
        // One aggregate over the filtered cases: combination x final status x first-improvement day.
        var sql = $"""
            SELECT dc.drugs, h.status, h.first_improvement_day, h.cases
            FROM (
                SELECT c.drug_combination, c.final_outcome_status AS status, c.first_improvement_day, count(*)::int AS cases
                FROM cases c
                WHERE {where}
                GROUP BY c.drug_combination, c.final_outcome_status, c.first_improvement_day
            ) h
            JOIN drug_combinations dc ON dc.id = h.drug_combination
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        var rows = await connection.QueryAsync<OutcomeHistogramRow>(new CommandDefinition(sql, parameters, cancellationToken: ct));

        var total = 0;
        var without = 0;
        var combinations = new Dictionary<string, (string[] Drugs, OutcomeTally Tally)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            total += row.Cases;
            if (row.Drugs.Length == 0) { without += row.Cases; continue; }
            var key = string.Join('+', row.Drugs);
            if (!combinations.TryGetValue(key, out var entry)) combinations[key] = entry = (row.Drugs, new OutcomeTally());
            entry.Tally.Add(row.Status, row.FirstImprovementDay, row.Cases);
        }
        return new OutcomesByCombinationReport(cells.Count(total), cells.Count(without), combinations
            .OrderByDescending(c => c.Value.Tally.Cases).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => (c.Value.Drugs, Figures: c.Value.Tally.Publish(cells)))
            .Select(c => new CombinationOutcomes(c.Drugs.ToList(), c.Figures.Cases, c.Figures.Counts, c.Figures.Better,
                c.Figures.Share, c.Figures.Ci95, c.Figures.Median))
            .ToList(), cells.MinCellSize);
    }
}
