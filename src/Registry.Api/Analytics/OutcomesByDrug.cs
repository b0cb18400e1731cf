using Dapper;
using Npgsql;
using Registry.Api.Cases;
using Registry.Api.Drugs;

using Registry.Api.Security;
using Registry.Api.Data;

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
/// <remarks>For analyst keys a count from 1 to k−1 is null (suppressed), as is every figure derived from one.</remarks>
public sealed record DrugOutcomes(
    string Drug, string DrugName, string? AtcCode, string DrugClass, int? Cases, FinalOutcomeCounts FinalOutcomes,
    int? ImprovedOrBetter, double? ImprovedOrBetterShare, ConfidenceInterval? ImprovedOrBetterCi95, double? MedianDaysToFirstImprovement);

/// <param name="Resolved">Cases whose final assessment is resolved.</param>
/// <param name="MarkedImprovement">... marked-improvement.</param>
/// <param name="Improved">... improved.</param>
/// <param name="Unchanged">... unchanged.</param>
/// <param name="Worsened">... worsened.</param>
/// <param name="NotAssessed">Cases without any outcome assessment.</param>
/// <remarks>A null count is suppressed: from 1 to k−1 cases, shown to analyst keys as null.</remarks>
public sealed record FinalOutcomeCounts(int? Resolved, int? MarkedImprovement, int? Improved, int? Unchanged, int? Worsened, int? NotAssessed);

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

/// <param name="TotalCases">Cases matching the filters, with or without medications (null: suppressed).</param>
/// <param name="Drugs">One entry per drug given in those cases, most cases first.</param>
/// <param name="MinCellSize">k: counts from 1 to k−1 are suppressed (null) for this key; 1 means nothing is.</param>
public sealed record OutcomesByDrugReport(int? TotalCases, List<DrugOutcomes> Drugs, int MinCellSize = 1);

/// <summary>An outcome tally's figures as one caller may see them.</summary>
internal sealed record PublishedOutcomes(
    int? Cases, FinalOutcomeCounts Counts, int? Better, double? Share, ConfidenceInterval? Ci95, double? Median);

/// <summary>
/// The outcome figures of a group of cases, built from a histogram row set (status, first-improvement day, cases)
/// that PostgreSQL computes with a hash aggregate: no per-group sort for the median (percentile_cont would sort
/// every row of every group), and the median taken here from the histogram is exactly percentile_cont(0.5).
/// </summary>
internal sealed class OutcomeTally
{
    private int _resolved, _marked, _improved, _unchanged, _worsened, _notAssessed;
    private readonly SortedDictionary<int, long> _firstImprovementDays = [];

    public int Cases { get; private set; }

    public void Add(string? status, int? firstImprovementDay, int cases)
    {
        Cases += cases;
        switch (status)
        {
            case "resolved": _resolved += cases; break;
            case "marked-improvement": _marked += cases; break;
            case "improved": _improved += cases; break;
            case "unchanged": _unchanged += cases; break;
            case "worsened": _worsened += cases; break;
            default: _notAssessed += cases; break;
        }
        if (firstImprovementDay is { } day) _firstImprovementDays[day] = _firstImprovementDays.GetValueOrDefault(day) + cases;
    }

    /// <summary>
    /// The figures with small cells suppressed: each count from 1 to k−1 becomes null, and a share, interval or
    /// median becomes null when its group, numerator or complement is such a count (it would reveal it).
    /// </summary>
    public PublishedOutcomes Publish(SmallCells cells)
    {
        var hidden = cells.IsSmall(Cases) || cells.IsSmall(Better) || cells.IsSmall(Assessed - Better);
        return new PublishedOutcomes(cells.Count(Cases),
            new FinalOutcomeCounts(cells.Count(_resolved), cells.Count(_marked), cells.Count(_improved), cells.Count(_unchanged),
                cells.Count(_worsened), cells.Count(_notAssessed)),
            cells.Count(Better), hidden ? null : Share, hidden ? null : Ci95, hidden ? null : Median);
    }
    public int Better => _resolved + _marked + _improved;
    public int Assessed => Cases - _notAssessed;
    public double? Share => Assessed == 0 ? null : Math.Round((double)Better / Assessed, 4);
    public ConfidenceInterval? Ci95 => ConfidenceInterval.Wilson(Better, Assessed);

    /// <summary>The median first-improvement day (the mean of the two middle values for an even count), as percentile_cont(0.5).</summary>
    public double? Median
    {
        get
        {
            var n = _firstImprovementDays.Values.Sum();
            if (n == 0) return null;
            long lowRank = (n - 1) / 2, highRank = n / 2, seen = 0;
            int? low = null;
            foreach (var (day, count) in _firstImprovementDays)
            {
                if (low is null && seen + count > lowRank) low = day;
                if (seen + count > highRank) return (low!.Value + day) / 2.0;
                seen += count;
            }
            return null;
        }
    }
}

/// <summary>One row of the outcome histogram: a drug combination, a final status and a first-improvement day.</summary>
internal sealed class OutcomeHistogramRow
{
    public string[] Drugs { get; init; } = [];
    public string? Status { get; init; }
    public int? FirstImprovementDay { get; init; }
    public int Cases { get; init; }
}

public static class OutcomesByDrugQuery
{
    /// <summary>
    /// The SQL: one pass over the filtered cases (an index-only scan of cases_outcome_histogram when unfiltered),
    /// grouped by the case's drug combination (the trigger-kept integer <c>drug_combination</c>), final status and
    /// first-improvement day; the few thousand groups are then split per drug of their combination. Public so the benchmark runs exactly
    /// this SQL as the API's ceiling.
    /// </summary>
    public static (string Sql, DynamicParameters Parameters) Sql(CaseFilters filters, Data.Caller caller)
    {
        var (where, parameters) = filters.ToSql();
        return ($"""
            SELECT given.drug AS drugs, h.status, h.first_improvement_day, sum(h.cases)::int AS cases
            FROM (
                SELECT c.drug_combination, c.final_outcome_status AS status, c.first_improvement_day, count(*) AS cases
                FROM cases c
                WHERE {where}
                GROUP BY c.drug_combination, c.final_outcome_status, c.first_improvement_day
            ) h
            JOIN drug_combinations dc ON dc.id = h.drug_combination
            CROSS JOIN LATERAL unnest(dc.drugs || ARRAY[NULL::text]) AS given(drug)
            GROUP BY given.drug, h.status, h.first_improvement_day;
            SELECT code, name, atc_code, drug_class FROM drugs;
            """, parameters);
    }

    private sealed class DrugRow
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public string? AtcCode { get; init; }
        public string DrugClass { get; init; } = "";
    }

    private sealed class Row
    {
        public string? Drugs { get; init; }
        public string? Status { get; init; }
        public int? FirstImprovementDay { get; init; }
        public int Cases { get; init; }
    }

    public static async Task<OutcomesByDrugReport> RunAsync(
        CallerDataSource dataSource, CaseFilters filters, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var (sql, parameters) = Sql(filters, caller);
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
        var rows = await results.ReadAsync<Row>();
        var drugs = (await results.ReadAsync<DrugRow>()).ToDictionary(d => d.Code);

        // The NULL "drug" appended to every combination counts each case once: the total.
        var total = new OutcomeTally();
        var perDrug = new Dictionary<string, OutcomeTally>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var tally = row.Drugs is null ? total : perDrug.TryGetValue(row.Drugs, out var t) ? t : perDrug[row.Drugs] = new OutcomeTally();
            tally.Add(row.Status, row.FirstImprovementDay, row.Cases);
        }
        return new OutcomesByDrugReport(cells.Count(total.Cases), perDrug
            .OrderByDescending(p => p.Value.Cases).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p =>
            {
                var (d, o) = (drugs[p.Key], p.Value.Publish(cells));
                return new DrugOutcomes(p.Key, d.Name, d.AtcCode, d.DrugClass, o.Cases, o.Counts, o.Better, o.Share, o.Ci95, o.Median);
            }).ToList(), cells.MinCellSize);
    }
}
