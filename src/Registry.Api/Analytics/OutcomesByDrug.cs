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
/// <param name="ImprovedOrBetterShare">ImprovedOrBetter divided by the cases that have an assessment (0–1); null when none has.</param>
/// <param name="MedianDaysToFirstImprovement">Median, over cases that ever improved, of the first day an assessment found them improved or better; null when none did.</param>
/// <remarks>For analyst keys a count from 1 to k−1 is null (suppressed), as is every figure derived from one.</remarks>
public sealed record DrugOutcomes(
    string Drug, string DrugName, string? AtcCode, string DrugClass, int? Cases, FinalOutcomeCounts FinalOutcomes,
    int? ImprovedOrBetter, double? ImprovedOrBetterShare, double? MedianDaysToFirstImprovement);

/// <summary>Cases per final-outcome status; null means suppressed (a small cell, analyst keys only).</summary>
public sealed record FinalOutcomeCounts(int? Resolved, int? MarkedImprovement, int? Improved, int? Unchanged, int? Worsened, int? NotAssessed);

/// <param name="TotalCases">Cases matching the filters, with or without medications (null: suppressed).</param>
/// <param name="Drugs">One entry per drug given in those cases, most cases first.</param>
/// <param name="MinCellSize">k: counts from 1 to k−1 are suppressed (null) for this key; 1 means nothing is.</param>
public sealed record OutcomesByDrugReport(int? TotalCases, List<DrugOutcomes> Drugs, int MinCellSize = 1);

public static class OutcomesByDrugQuery
{
    private sealed class Row
    {
        public string Drug { get; init; } = "";
        public string Name { get; init; } = "";
        public string? AtcCode { get; init; }
        public string DrugClass { get; init; } = "";
        public int Cases { get; init; }
        public int Resolved { get; init; }
        public int MarkedImprovement { get; init; }
        public int Improved { get; init; }
        public int Unchanged { get; init; }
        public int Worsened { get; init; }
        public int NotAssessed { get; init; }
        public double? MedianDays { get; init; }
    }

    /// <summary>One GROUP BY in PostgreSQL over the filtered cases joined to their distinct drugs.</summary>
    public static async Task<OutcomesByDrugReport> RunAsync(
        NpgsqlDataSource dataSource, CaseFilters filters, Security.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql(caller);
        var sql = $"""
            WITH filtered AS (
                SELECT c.id, c.final_outcome_status AS status, c.first_improvement_day
                FROM cases c JOIN patients p ON p.id = c.patient_id
                WHERE {where}
            ), given AS (
                SELECT DISTINCT m.case_id, m.drug FROM medications m JOIN filtered f ON f.id = m.case_id
            )
            SELECT g.drug, d.name, d.atc_code, d.drug_class,
                   count(*)::int AS cases,
                   count(*) FILTER (WHERE f.status = 'resolved')::int AS resolved,
                   count(*) FILTER (WHERE f.status = 'marked-improvement')::int AS marked_improvement,
                   count(*) FILTER (WHERE f.status = 'improved')::int AS improved,
                   count(*) FILTER (WHERE f.status = 'unchanged')::int AS unchanged,
                   count(*) FILTER (WHERE f.status = 'worsened')::int AS worsened,
                   count(*) FILTER (WHERE f.status IS NULL)::int AS not_assessed,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_improvement_day) AS median_days
            FROM given g
            JOIN filtered f ON f.id = g.case_id
            JOIN drugs d ON d.code = g.drug
            GROUP BY g.drug, d.name, d.atc_code, d.drug_class
            ORDER BY cases DESC, g.drug;
            SELECT count(*)::int FROM cases c JOIN patients p ON p.id = c.patient_id WHERE {where};
            """;

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
        var rows = await results.ReadAsync<Row>();
        var total = await results.ReadSingleAsync<int>();
        return new OutcomesByDrugReport(cells.Count(total), rows.Select(r => ToOutcomes(r, cells)).ToList(), cells.MinCellSize);
    }

    private static DrugOutcomes ToOutcomes(Row r, SmallCells cells)
    {
        var better = r.Resolved + r.MarkedImprovement + r.Improved;
        var assessed = r.Cases - r.NotAssessed;
        // A share or median over a small group, or one whose numerator or complement is small, reveals that group.
        var derivedHidden = cells.IsSmall(r.Cases) || cells.IsSmall(better) || cells.IsSmall(assessed - better);
        return new DrugOutcomes(r.Drug, r.Name, r.AtcCode, r.DrugClass, cells.Count(r.Cases),
            new FinalOutcomeCounts(cells.Count(r.Resolved), cells.Count(r.MarkedImprovement), cells.Count(r.Improved),
                cells.Count(r.Unchanged), cells.Count(r.Worsened), cells.Count(r.NotAssessed)),
            cells.Count(better),
            assessed == 0 || derivedHidden ? null : Math.Round((double)better / assessed, 4),
            derivedHidden ? null : r.MedianDays);
    }
}
