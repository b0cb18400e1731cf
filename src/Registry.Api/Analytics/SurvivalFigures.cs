using Registry.Api.Analytics.Statistics;

namespace Registry.Api.Analytics;

/// <summary>A group's Kaplan–Meier figures as one caller may see them, and the log-rank test across groups.</summary>
internal static class SurvivalFigures
{
    public static SurvivalGroup Publish(string key, List<string> drugs, IReadOnlyList<SurvivalDay> days, int? horizon, SmallCells cells)
    {
        int cases = days.Sum(d => d.Events + d.Censored), improved = days.Sum(d => d.Events);
        if (cells.IsSmall(cases))
        {
            const string small = "Fewer than k cases: suppressed.";
            return new SurvivalGroup(key, drugs, null, null, null, [], new MedianEstimate(null, null, null, small),
                TimeToImprovementQuery.MilestoneDays.Select(d => new Milestone(d, null, null, null, null, small)).ToList(), small);
        }
        var exact = KaplanMeier.Estimate(days);
        var (curve, cutDay) = Pool(exact, cells);
        var cut = cutDay is null ? null : $"The curve is cut at day {cutDay}: from there fewer than k cases are at risk, or the last days' counts are below k.";
        return new SurvivalGroup(key, drugs, cases, cells.Count(improved), cells.Count(cases - improved),
            curve.Select(s => new SurvivalStep(s.Day, s.AtRisk, s.Events, s.Censored, Round(s.Survival), Round(s.Low), Round(s.High))).ToList(),
            Median(curve, cut), TimeToImprovementQuery.MilestoneDays.Select(d => Milestone(d, exact, curve, cutDay, horizon, cells)).ToList(), cut);
    }

    /// <summary>
    /// The curve a caller may see. With k &gt; 1 (analyst keys), consecutive days are pooled into one step until its
    /// events and censored counts are each 0 or at least k (the step shows the last day's estimate and the first
    /// day's number at risk), and the curve stops before the first day with fewer than k at risk. Returns the day
    /// from which nothing is shown, when something is not.
    /// </summary>
    private static (List<KaplanMeierStep> Curve, int? CutDay) Pool(List<KaplanMeierStep> exact, SmallCells cells)
    {
        if (cells.MinCellSize <= 1) return (exact, null);
        var curve = new List<KaplanMeierStep>();
        int? poolStart = null, poolAtRisk = null;
        int events = 0, censored = 0;
        foreach (var step in exact)
        {
            if (cells.IsSmall(step.AtRisk)) return (curve, poolStart ?? step.Day);
            poolStart ??= step.Day;
            poolAtRisk ??= step.AtRisk;
            events += step.Events;
            censored += step.Censored;
            if (cells.IsSmall(events) || cells.IsSmall(censored)) continue;
            curve.Add(step with { AtRisk = poolAtRisk.Value, Events = events, Censored = censored });
            (poolStart, poolAtRisk, events, censored) = (null, null, 0, 0);
        }
        return (curve, poolStart);
    }

    private static MedianEstimate Median(List<KaplanMeierStep> curve, string? cut)
    {
        var (median, low, high) = KaplanMeier.Median(curve);
        var reason = median is null ? "The curve does not fall to 0.5: fewer than half improved while followed."
            : low is null || high is null ? "A limit of the 95% interval is not reached: its band does not fall to 0.5 while followed."
            : null;
        return new MedianEstimate(median, low, high, reason is null ? null : cut is null ? reason : $"{reason} {cut}");
    }

    private static Milestone Milestone(int day, List<KaplanMeierStep> exact, List<KaplanMeierStep> curve, int? cutDay, int? horizon, SmallCells cells)
    {
        var atRisk = exact.FirstOrDefault(s => s.Day >= day)?.AtRisk ?? 0;
        if (day > horizon) return new Milestone(day, null, null, null, null, $"Beyond the follow-up cut (days={horizon}).");
        if (day > exact[^1].Day) return new Milestone(day, 0, null, null, null, $"No case is followed to day {day} (the last is followed to day {exact[^1].Day}).");
        if (day >= cutDay) return new Milestone(day, cells.Count(atRisk), null, null, null, $"The curve is cut at day {cutDay} (fewer than k at risk).");
        var step = curve.LastOrDefault(s => s.Day <= day);
        return step is null
            ? new Milestone(day, cells.Count(atRisk), 0, null, null, "No case improved by then: the interval is undefined.")
            : new Milestone(day, cells.Count(atRisk), Round(1 - step.Survival), Round(1 - step.High), Round(1 - step.Low),
                step.Low is null ? "The interval is undefined where the curve is 0 or 1." : null);
    }

    /// <summary>The log-rank test across the groups shown with their case counts; null with a reason when it cannot be given.</summary>
    public static LogRankTest Test(List<(List<SurvivalDay> Days, SurvivalGroup Group)> groups, bool byCombination, SmallCells cells)
    {
        var keys = groups.Select(g => g.Group.Key).ToList();
        if (groups.Count < 2) return new LogRankTest(keys, null, null, null, "Needs at least two groups with cases.");
        if (groups.Any(g => g.Group.Improved is null || g.Group.Censored is null))
            return new LogRankTest(keys, null, null, null, "Derived from a count below k: suppressed.");
        var result = LogRank.Test(groups.Select(g => (IReadOnlyList<SurvivalDay>)g.Days).ToList());
        if (result is null) return new LogRankTest(keys, null, null, null, "No case improved in any group, or the groups' covariance is singular: there is no test to give.");
        return new LogRankTest(keys, Round(result.ChiSquare), result.DegreesOfFreedom, result.P, byCombination ? null
            : "A case given several drugs is in several groups, so the groups are not independent samples; groupBy=combination compares disjoint groups.");
    }

    private static double Round(double value) => Math.Round(value, 4);
    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;
}
