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

/// <summary>The filters of GET /cases plus how to group, cut and draw the curves.</summary>
public sealed class TimeToImprovementParameters : PlottableCaseFilters
{
    [Description("drug (default): one curve per drug given (a case given several drugs is in several curves); combination: one curve per exact set of drugs given (each case in one).")]
    [FromQuery(Name = "groupBy")]
    public string? GroupBy { get; init; }

    [Description("Follow-up cut at this day (0–3650): a case improving later, or seen later, is censored at it. Default: no cut.")]
    [FromQuery(Name = "days")]
    public int? Days { get; init; }
}

public sealed class TimeToImprovementParametersValidator : AbstractValidator<TimeToImprovementParameters>
{
    public TimeToImprovementParametersValidator(DrugCatalog drugs)
    {
        Include(new PlottableCaseFiltersValidator(drugs));
        RuleFor(p => p.GroupBy).Must(g => g is null or "drug" or "combination").WithMessage("Use drug or combination.");
        RuleFor(p => p.Days).InclusiveBetween(0, 3650).WithMessage("Whole days, 0 to 3650.");
    }
}

/// <summary>One step of a group's Kaplan–Meier curve of "not yet improved".</summary>
/// <param name="Day">Day since presentation; the step holds from this day on.</param>
/// <param name="AtRisk">Cases not yet improved and still followed at the start of this day.</param>
/// <param name="Events">Cases first found improved or better this day.</param>
/// <param name="Censored">Cases last assessed this day (or day 0 without an assessment, or at the follow-up cut) without having improved.</param>
/// <param name="Survival">The estimate of the share not yet improved after this day (0–1, 4 decimals).</param>
/// <param name="Low">Lower bound of its pointwise 95% interval (log-log transform; null while the estimate is 1 or once it is 0).</param>
/// <param name="High">Upper bound of that interval.</param>
/// <remarks>For analyst keys consecutive days are pooled into one step until its events and its censored are each 0 or at least k; the step carries the last pooled day and the at-risk number of the first.</remarks>
public sealed record SurvivalStep(int Day, int AtRisk, int Events, int Censored, double Survival, double? Low, double? High);

/// <summary>The median day of first improvement, from the curve.</summary>
/// <param name="Day">The first day the curve is at or below 0.5; null when it never is (see reason).</param>
/// <param name="Low">Lower limit of its 95% interval (Brookmeyer–Crowley, log-log); null when not reached.</param>
/// <param name="High">Upper limit; null when not reached (the usual case with much censoring).</param>
/// <param name="Reason">Why a figure is null, when one is.</param>
public sealed record MedianEstimate(int? Day, int? Low, int? High, string? Reason);

/// <summary>How far the group had come by a given day.</summary>
/// <param name="Day">7, 14, 30, 60 or 90.</param>
/// <param name="AtRisk">Cases still followed and not yet improved on that day.</param>
/// <param name="ShareImproved">1 − the curve at that day: the estimated share improved by then (4 decimals).</param>
/// <param name="Low">Lower bound of its 95% interval (1 − the curve's upper bound).</param>
/// <param name="High">Upper bound of its 95% interval.</param>
/// <param name="Reason">Why a figure is null, when one is.</param>
public sealed record Milestone(int Day, int? AtRisk, double? ShareImproved, double? Low, double? High, string? Reason);

/// <summary>One group's time to first improvement.</summary>
/// <param name="Key">The drug code, or the combination's codes joined by '+'.</param>
/// <param name="Drugs">The drug codes of the group (one for groupBy=drug).</param>
/// <param name="Cases">Cases in the group.</param>
/// <param name="Improved">Cases with an improvement (the events).</param>
/// <param name="Censored">Cases censored (never improved while followed).</param>
/// <param name="Curve">The Kaplan–Meier steps, earliest first; for analyst keys cut where fewer than k are at risk.</param>
/// <param name="Median">The median day of first improvement with its 95% interval.</param>
/// <param name="Milestones">The share improved and the number at risk on days 7, 14, 30, 60 and 90.</param>
/// <param name="Reason">Why the group's figures are null or its curve cut, when they are.</param>
public sealed record SurvivalGroup(
    string Key, List<string> Drugs, int? Cases, int? Improved, int? Censored, List<SurvivalStep> Curve,
    MedianEstimate Median, List<Milestone> Milestones, string? Reason);

/// <summary>The log-rank test of equal time to improvement across the groups it names.</summary>
/// <param name="Groups">Keys of the groups compared (for analyst keys, groups of at least k cases).</param>
/// <param name="ChiSquare">The statistic (4 decimals); null with a reason when it cannot be given.</param>
/// <param name="DegreesOfFreedom">Groups compared − 1.</param>
/// <param name="P">Its p-value.</param>
/// <param name="Reason">Why the test is null, or a caveat: with groupBy=drug a case given several drugs is in several groups, so the groups are not independent.</param>
public sealed record LogRankTest(List<string> Groups, double? ChiSquare, int? DegreesOfFreedom, double? P, string? Reason);

/// <param name="GroupBy">drug or combination.</param>
/// <param name="Days">The follow-up cut, when given.</param>
/// <param name="TotalCases">Cases matching the filters, with or without drugs.</param>
/// <param name="Groups">One entry per group, most cases first.</param>
/// <param name="LogRank">The log-rank test across the groups.</param>
/// <param name="MinCellSize">k: counts from 1 to k−1 are suppressed for this key; 1 means nothing is.</param>
public sealed record TimeToImprovementReport(
    string GroupBy, int? Days, int? TotalCases, List<SurvivalGroup> Groups, LogRankTest LogRank, int MinCellSize = 1);

public static class TimeToImprovementQuery
{
    public static readonly int[] MilestoneDays = [7, 14, 30, 60, 90];

    /// <summary>
    /// The SQL: one pass over the filtered cases (an index-only scan of cases_outcome_histogram when unfiltered), each
    /// case's time — its first improvement day, else its last assessment day, else 0, cut at the follow-up limit —
    /// counted by drug combination as events or censored; the few thousand groups are then split per drug (or kept
    /// per combination). A NULL drug counts each case once: the total. Public so the benchmark runs exactly this SQL.
    /// </summary>
    public static (string Sql, DynamicParameters Parameters) Sql(TimeToImprovementParameters filters, Data.Caller caller)
    {
        var (where, parameters) = filters.ToSql();
        parameters.Add("horizon", filters.Days ?? int.MaxValue);
        var group = filters.GroupBy == "combination" ? "array_to_string(dc.drugs, '+')" : "given.drug";
        var unnest = filters.GroupBy == "combination" ? "" : "CROSS JOIN LATERAL unnest(dc.drugs || ARRAY[NULL::text]) AS given(drug)";
        return ($"""
            SELECT {group} AS "group", h.day, sum(h.events)::int AS events, sum(h.censored)::int AS censored
            FROM (
                SELECT c.drug_combination, least(coalesce(c.first_improvement_day, c.final_outcome_day, 0), @horizon) AS day,
                       count(*) FILTER (WHERE c.first_improvement_day <= @horizon) AS events,
                       count(*) FILTER (WHERE c.first_improvement_day IS NULL OR c.first_improvement_day > @horizon) AS censored
                FROM cases c
                WHERE {where}
                GROUP BY 1, 2
            ) h
            JOIN drug_combinations dc ON dc.id = h.drug_combination
            {unnest}
            GROUP BY 1, 2
            """, parameters);
    }

    private sealed class Row
    {
        public string? Group { get; init; }
        public int Day { get; init; }
        public int Events { get; init; }
        public int Censored { get; init; }
    }

    public static async Task<TimeToImprovementReport> RunAsync(
        CallerDataSource dataSource, TimeToImprovementParameters filters, Data.Caller caller, SmallCells cells, CancellationToken ct)
    {
        var (sql, parameters) = Sql(filters, caller);
        await using var connection = await dataSource.OpenConnectionAsync(ct, planEachCall: true);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, parameters, cancellationToken: ct));

        // groupBy=drug: the NULL group is every case once; groupBy=combination: the empty combination is the cases without drugs.
        var byCombination = filters.GroupBy == "combination";
        var total = 0;
        var groups = new Dictionary<string, List<SurvivalDay>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!byCombination && row.Group is null) { total += row.Events + row.Censored; continue; }
            if (byCombination) total += row.Events + row.Censored;
            if (string.IsNullOrEmpty(row.Group)) continue;
            if (!groups.TryGetValue(row.Group, out var days)) groups[row.Group] = days = [];
            days.Add(new SurvivalDay(row.Day, row.Events, row.Censored));
        }

        var published = groups
            .Select(g => (g.Key, Days: g.Value, Cases: g.Value.Sum(d => d.Events + d.Censored)))
            .OrderByDescending(g => g.Cases).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Days, Group: SurvivalFigures.Publish(g.Key, byCombination ? g.Key.Split('+').ToList() : [g.Key], g.Days, filters.Days, cells)))
            .ToList();
        var tested = published.Where(p => p.Group.Cases is not null).ToList();
        return new TimeToImprovementReport(byCombination ? "combination" : "drug", filters.Days, cells.Count(total),
            published.Select(p => p.Group).ToList(), SurvivalFigures.Test(tested, byCombination, cells), cells.MinCellSize);
    }
}
