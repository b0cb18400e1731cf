using Dapper;
using Npgsql;
using Registry.Api.Cases;

namespace Registry.Api.Analytics;

/// <summary>How the cases given one drug fared.</summary>
/// <param name="Drug">The drug's vocabulary code.</param>
/// <param name="DrugName">Its name.</param>
/// <param name="AtcCode">Its ATC code, when it has one.</param>
/// <param name="DrugClass">Its class.</param>
/// <param name="Cases">Cases (matching the filters) in which the drug was given.</param>
/// <param name="FinalOutcomes">How many of those cases ended in each final-outcome status; notAssessed counts cases without any assessment.</param>
/// <param name="ImprovedOrBetter">Cases whose final outcome is improved, marked-improvement or resolved.</param>
/// <param name="ImprovedOrBetterShare">ImprovedOrBetter divided by the cases that have an assessment (0–1, 4 decimals); null when none has.</param>
/// <param name="ImprovedOrBetterCi95">The 95% Wilson score interval of that share (4 decimals); null when no case has an assessment.</param>
/// <param name="MedianDaysToFirstImprovement">Median, over cases that ever improved, of the first day an assessment found them improved or better; null when none did.</param>
public sealed record DrugOutcomes(
    string Drug, string DrugName, string? AtcCode, string DrugClass, int Cases, FinalOutcomeCounts FinalOutcomes,
    int ImprovedOrBetter, double? ImprovedOrBetterShare, ConfidenceInterval? ImprovedOrBetterCi95, double? MedianDaysToFirstImprovement);

/// <param name="Resolved">Cases whose final assessment is resolved.</param>
/// <param name="MarkedImprovement">... marked-improvement.</param>
/// <param name="Improved">... improved.</param>
/// <param name="Unchanged">... unchanged.</param>
/// <param name="Worsened">... worsened.</param>
/// <param name="NotAssessed">Cases without any outcome assessment.</param>
public sealed record FinalOutcomeCounts(int Resolved, int MarkedImprovement, int Improved, int Unchanged, int Worsened, int NotAssessed);

/// <summary>A 95% confidence interval of a proportion (Wilson score interval), bounds rounded to 4 decimals.</summary>
/// <param name="Low">Lower bound, 0–1.</param>
/// <param name="High">Upper bound, 0–1.</param>
public sealed record ConfidenceInterval(double Low, double High)
{
    private const double Z = 1.959963984540054;

    /// <summary>The Wilson score interval of successes out of trials; null when there are no trials.</summary>
    public static ConfidenceInterval? Wilson(int successes, int trials)
    {
        if (trials == 0) return null;
        double n = trials, p = successes / n, z2 = Z * Z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return new ConfidenceInterval(Math.Round(Math.Max(0, centre - half), 4), Math.Round(Math.Min(1, centre + half), 4));
    }
}

/// <param name="TotalCases">Cases matching the filters, with or without medications.</param>
/// <param name="Drugs">One entry per drug given in those cases, most cases first.</param>
public sealed record OutcomesByDrugReport(int TotalCases, List<DrugOutcomes> Drugs);

/// <summary>The outcome columns every analytics GROUP BY computes over filtered cases <c>c</c>.</summary>
internal static class OutcomeAggregates
{
    public const string Columns = """
        count(*)::int AS cases,
        count(*) FILTER (WHERE c.final_outcome_status = 'resolved')::int AS resolved,
        count(*) FILTER (WHERE c.final_outcome_status = 'marked-improvement')::int AS marked_improvement,
        count(*) FILTER (WHERE c.final_outcome_status = 'improved')::int AS improved,
        count(*) FILTER (WHERE c.final_outcome_status = 'unchanged')::int AS unchanged,
        count(*) FILTER (WHERE c.final_outcome_status = 'worsened')::int AS worsened,
        count(*) FILTER (WHERE c.final_outcome_status IS NULL)::int AS not_assessed,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_improvement_day) AS median_days
        """;

    public class Row
    {
        public int Cases { get; init; }
        public int Resolved { get; init; }
        public int MarkedImprovement { get; init; }
        public int Improved { get; init; }
        public int Unchanged { get; init; }
        public int Worsened { get; init; }
        public int NotAssessed { get; init; }
        public double? MedianDays { get; init; }

        public FinalOutcomeCounts Counts => new(Resolved, MarkedImprovement, Improved, Unchanged, Worsened, NotAssessed);
        public int Better => Resolved + MarkedImprovement + Improved;
        public int Assessed => Cases - NotAssessed;
        public double? Share => Assessed == 0 ? null : Math.Round((double)Better / Assessed, 4);
        public ConfidenceInterval? Ci95 => ConfidenceInterval.Wilson(Better, Assessed);
    }
}

public static class OutcomesByDrugQuery
{
    private sealed class Row : OutcomeAggregates.Row
    {
        public string Drug { get; init; } = "";
        public string Name { get; init; } = "";
        public string? AtcCode { get; init; }
        public string DrugClass { get; init; } = "";
    }

    /// <summary>
    /// The SQL: one GROUP BY in PostgreSQL over the filtered cases, one row per (case, drug) from the case's
    /// summary column <c>drugs</c> (distinct codes, kept by trigger), then the vocabulary joined to the ~dozen
    /// groups. Public so the benchmark runs exactly this SQL as the API's ceiling.
    /// </summary>
    public static (string Sql, DynamicParameters Parameters) Sql(CaseFilters filters)
    {
        var (where, parameters) = filters.ToSql();
        return ($"""
            SELECT g.*, d.name, d.atc_code, d.drug_class FROM (
                SELECT given.drug, {OutcomeAggregates.Columns}
                FROM {filters.FromSql} CROSS JOIN LATERAL unnest(c.drugs) AS given(drug)
                WHERE {where}
                GROUP BY given.drug
            ) g JOIN drugs d ON d.code = g.drug
            ORDER BY g.cases DESC, g.drug;
            SELECT count(*)::int FROM {filters.FromSql} WHERE {where};
            """, parameters);
    }

    public static async Task<OutcomesByDrugReport> RunAsync(NpgsqlDataSource dataSource, CaseFilters filters, CancellationToken ct)
    {
        var (sql, parameters) = Sql(filters);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
        var rows = await results.ReadAsync<Row>();
        var total = await results.ReadSingleAsync<int>();
        return new OutcomesByDrugReport(total, rows.Select(r => new DrugOutcomes(r.Drug, r.Name, r.AtcCode, r.DrugClass, r.Cases,
            r.Counts, r.Better, r.Share, r.Ci95, r.MedianDays)).ToList());
    }
}
