using Dapper;
using Npgsql;
using Registry.Api.Cases;

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
    List<string> Drugs, int Cases, FinalOutcomeCounts FinalOutcomes, int ImprovedOrBetter, double? ImprovedOrBetterShare,
    ConfidenceInterval? ImprovedOrBetterCi95, double? MedianDaysToFirstImprovement);

/// <param name="TotalCases">Cases matching the filters, with or without medications.</param>
/// <param name="CasesWithoutDrugs">Of those, cases with no medication recorded (they belong to no combination).</param>
/// <param name="Combinations">One entry per drug combination given, most cases first (ties by the combination's codes).</param>
public sealed record OutcomesByCombinationReport(int TotalCases, int CasesWithoutDrugs, List<CombinationOutcomes> Combinations);

public static class OutcomesByCombinationQuery
{
    private sealed class Row : OutcomeAggregates.Row
    {
        public string[]? Drugs { get; init; }
        public int IsTotal { get; init; }
    }

    public static async Task<OutcomesByCombinationReport> RunAsync(NpgsqlDataSource dataSource, CaseFilters filters, CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql();
        // GROUPING SETS: the per-combination rows and the grand total come from one pass over the cases.
        var sql = $"""
            SELECT c.drugs, grouping(c.drugs) AS is_total, {OutcomeAggregates.Columns}
            FROM {filters.FromSql}
            WHERE {where}
            GROUP BY GROUPING SETS ((c.drugs), ())
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: ct))).ToList();

        var total = rows.Where(r => r.IsTotal == 1).Select(r => r.Cases).FirstOrDefault();
        var groups = rows.Where(r => r.IsTotal == 0).ToList();
        var without = groups.Where(g => g.Drugs is not { Length: > 0 }).Sum(g => g.Cases);
        return new OutcomesByCombinationReport(total, without, groups
            .Where(g => g.Drugs is { Length: > 0 })
            .OrderByDescending(g => g.Cases).ThenBy(g => string.Join('+', g.Drugs!), StringComparer.Ordinal)
            .Select(g => new CombinationOutcomes(g.Drugs!.ToList(), g.Cases, g.Counts, g.Better, g.Share, g.Ci95, g.MedianDays))
            .ToList());
    }
}
