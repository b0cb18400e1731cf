using System.ComponentModel;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Registry.Api.Analytics.Statistics;
using Registry.Api.Cases;
using Registry.Api.Vocabulary;

using Registry.Api.Security;

using Registry.Api.Drugs;
using Registry.Api.Data;

namespace Registry.Api.Analytics;

/// <summary>The filters of GET /cases (except that <c>drug</c> names the drug compared) plus stratification and format.</summary>
public sealed class DrugComparisonParameters : PlottableCaseFilters
{
    [Description("Stratify by sex or ageBand (0-17, 18-29, then decades, 80+): a comparison per stratum and the Mantel–Haenszel pooled relative risk.")]
    [FromQuery(Name = "stratifyBy")]
    public string? StratifyBy { get; init; }
}

public sealed class DrugComparisonParametersValidator : AbstractValidator<DrugComparisonParameters>
{
    public DrugComparisonParametersValidator(DrugCatalog drugs)
    {
        Include(new PlottableCaseFiltersValidator(drugs));
        RuleFor(p => p.Drug).NotEmpty().WithMessage("Name the drug to compare (a vocabulary code).");
        RuleFor(p => p.StratifyBy).Must(s => s is null or "sex" or "ageBand").WithMessage("Use sex or ageBand.");
    }
}

/// <summary>One arm of the comparison.</summary>
/// <param name="Cases">Cases in the arm.</param>
/// <param name="Assessed">Of those, cases with a final assessment (the denominator).</param>
/// <param name="ImprovedOrBetter">Cases whose final assessment is improved, marked-improvement or resolved.</param>
/// <param name="Risk">ImprovedOrBetter / Assessed (4 decimals).</param>
/// <param name="FinalOutcomes">The arm's cases by final-outcome status.</param>
public sealed record ComparisonArm(int? Cases, int? Assessed, int? ImprovedOrBetter, double? Risk, FinalOutcomeCounts FinalOutcomes);

/// <summary>An estimate with its 95% confidence interval, 4 decimals.</summary>
public sealed record EffectEstimate(double Value, double Low, double High)
{
    internal static EffectEstimate? From((double Value, double Low, double High)? e) =>
        e is { } v ? new EffectEstimate(Math.Round(v.Value, 4), Math.Round(v.Low, 4), Math.Round(v.High, 4)) : null;
}

/// <summary>The test of no association between the drug and improvement.</summary>
/// <param name="Method">fisher-exact when any expected cell is under 5, else chi-square (Pearson, 1 degree of freedom, no continuity correction).</param>
/// <param name="ChiSquare">The chi-square statistic (4 decimals); null for Fisher's test.</param>
/// <param name="P">The two-sided p-value.</param>
public sealed record AssociationTest(string Method, double? ChiSquare, double P);

/// <summary>Cases given the drug against cases not given it, on improved-or-better at the final assessment.</summary>
/// <param name="Given">Cases given the drug.</param>
/// <param name="NotGiven">Cases not given it.</param>
/// <param name="RiskDifference">Given risk − not-given risk, Wald 95% interval.</param>
/// <param name="RelativeRisk">Given risk ÷ not-given risk, log (Katz) 95% interval.</param>
/// <param name="Test">Fisher's exact or the chi-square test.</param>
/// <param name="Reason">Why an estimate or the test is null, when one is.</param>
public sealed record Comparison(ComparisonArm Given, ComparisonArm NotGiven, EffectEstimate? RiskDifference, EffectEstimate? RelativeRisk,
    AssociationTest? Test, string? Reason);

/// <param name="Value">The stratum: a sex, or an age band such as 40-49.</param>
/// <param name="Comparison">The comparison within it.</param>
public sealed record StratumComparison(string Value, Comparison Comparison);

/// <param name="Drug">The drug compared.</param>
/// <param name="Overall">The comparison over all cases matching the other filters.</param>
/// <param name="StratifiedBy">sex or ageBand, when asked.</param>
/// <param name="Strata">One comparison per stratum with cases.</param>
/// <param name="MantelHaenszelRelativeRisk">The relative risk pooled over the strata (Mantel–Haenszel, Greenland–Robins 95% interval).</param>
/// <param name="MantelHaenszelReason">Why the pooled relative risk is null, when it is.</param>
/// <param name="MinCellSize">k: counts from 1 to k−1 are suppressed for this key; 1 means nothing is.</param>
public sealed record DrugComparisonReport(string Drug, Comparison Overall, string? StratifiedBy, List<StratumComparison> Strata,
    EffectEstimate? MantelHaenszelRelativeRisk, string? MantelHaenszelReason, int MinCellSize = 1);

public static class DrugComparisonQuery
{
    private sealed class Row
    {
        public bool Given { get; init; }
        public string? Stratum { get; init; }
        public string? Status { get; init; }
        public int Cases { get; init; }
    }

    /// <summary>Null when no case matching the other filters was given the drug.</summary>
    public static async Task<DrugComparisonReport?> RunAsync(
        CallerDataSource dataSource, DrugComparisonParameters filters, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var (where, parameters) = filters.ToSql(byDrug: false);
        parameters.Add("compared", filters.Drug);
        var stratum = filters.StratifyBy switch
        {
            "sex" => "c.patient_sex",
            "ageBand" => RegistrySummaryQuery.AgeBand + "::text",
            _ => "NULL::text",
        };
        // One pass over the filtered cases: arm x stratum x final status.
        var sql = $"""
            SELECT c.drugs @> ARRAY[@compared]::text[] AS given, {stratum} AS stratum, c.final_outcome_status AS status, count(*)::int AS cases
            FROM cases c
            WHERE {where}
            GROUP BY 1, 2, 3
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: ct))).ToList();
        if (!rows.Any(r => r.Given)) return null;

        var overall = Compare(rows, cells);
        if (filters.StratifyBy is null) return new DrugComparisonReport(filters.Drug!, overall, null, [], null, null, cells.MinCellSize);

        var strata = rows.GroupBy(r => r.Stratum ?? "unknown")
            .OrderBy(g => filters.StratifyBy == "ageBand" ? int.Parse(g.Key) : 0).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Value: filters.StratifyBy == "ageBand" ? RegistrySummaryQuery.BandName(int.Parse(g.Key)) : g.Key, Rows: g.ToList()))
            .ToList();
        var tables = strata.Select(s => Table(s.Rows)).ToList();
        var small = tables.Any(t => new[] { t.A, t.B, t.C, t.D }.Any(cells.IsSmall));
        var pooled = small ? null : EffectEstimate.From(TwoByTwo.MantelHaenszelRelativeRisk(tables));
        return new DrugComparisonReport(filters.Drug!, overall, filters.StratifyBy,
            strata.Select(s => new StratumComparison(s.Value, Compare(s.Rows, cells))).ToList(), pooled,
            small ? "A stratum holds a count below k: suppressed."
            : pooled is null ? "No improvement in an arm across the strata: the pooled relative risk is undefined." : null,
            cells.MinCellSize);
    }

    private static TwoByTwo Table(List<Row> rows)
    {
        var (given, notGiven) = (Tally(rows, true), Tally(rows, false));
        return new TwoByTwo(given.Better, given.Assessed, notGiven.Better, notGiven.Assessed);
    }

    private static OutcomeTally Tally(List<Row> rows, bool given)
    {
        var tally = new OutcomeTally();
        foreach (var row in rows.Where(r => r.Given == given)) tally.Add(row.Status, null, row.Cases);
        return tally;
    }

    private static Comparison Compare(List<Row> rows, SmallCells cells)
    {
        var (given, notGiven) = (Tally(rows, true), Tally(rows, false));
        var table = new TwoByTwo(given.Better, given.Assessed, notGiven.Better, notGiven.Assessed);
        var arms = (Arm(given, cells), Arm(notGiven, cells));
        if (new[] { table.A, table.B, table.C, table.D, table.N1, table.N0 }.Any(cells.IsSmall))
            return new Comparison(arms.Item1, arms.Item2, null, null, null, "Derived from a count below k: suppressed.");
        if (table.N1 == 0 || table.N0 == 0)
            return new Comparison(arms.Item1, arms.Item2, null, null, null, "An arm has no assessed case: there is nothing to compare.");
        var chi = table.ChiSquare();
        var test = table.AnyExpectedBelow5() || chi is null
            ? new AssociationTest("fisher-exact", null, table.FisherExactP())
            : new AssociationTest("chi-square", Math.Round(chi.Value.ChiSquare, 4), chi.Value.P);
        var rr = EffectEstimate.From(table.RelativeRisk());
        return new Comparison(arms.Item1, arms.Item2, EffectEstimate.From(table.RiskDifference()), rr, test,
            rr is null ? "No case improved in an arm: the relative risk is undefined." : null);
    }

    private static ComparisonArm Arm(OutcomeTally tally, SmallCells cells)
    {
        var published = tally.Publish(cells);
        return new ComparisonArm(published.Cases, cells.Count(tally.Assessed), published.Better, published.Share, published.Counts);
    }
}
