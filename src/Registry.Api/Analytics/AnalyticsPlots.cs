using ScottPlot;

namespace Registry.Api.Analytics;

/// <summary>Publication plots of the analytics figures, drawn with ScottPlot 5 (SkiaSharp; headless on Linux).</summary>
public static class AnalyticsPlots
{
    /// <summary>Curves drawn at most: more would make the numbers-at-risk table unreadable; filters narrow the groups.</summary>
    public const int MaxCurves = 8;

    public const string SurvivalXLabel = "Days since presentation";
    public const string SurvivalYLabel = "Share not yet improved";

    /// <summary>
    /// One Kaplan–Meier step curve per group (the largest <see cref="MaxCurves"/>), each with its 95% band and a
    /// tick where cases were censored, and under the axis one row per group of the numbers at risk.
    /// </summary>
    public static Plot TimeToImprovement(TimeToImprovementReport report)
    {
        var plot = new Plot();
        var groups = report.Groups.Where(g => g.Curve.Count > 0).Take(MaxCurves).ToList();
        var lastDay = Math.Max(1, groups.SelectMany(g => g.Curve).Select(s => s.Day).DefaultIfEmpty(1).Max());
        var ticks = TickDays(lastDay);
        foreach (var (group, index) in groups.Select((g, i) => (g, i)))
        {
            var color = new ScottPlot.Palettes.Category10().GetColor(index);
            var steps = group.Curve;
            double[] xs = [0, .. steps.Select(s => (double)s.Day), lastDay];
            double[] ys = [1, .. steps.Select(s => s.Survival), steps[^1].Survival];

            var (bandX, bandLow, bandHigh) = StepBand(steps, lastDay);
            var band = plot.Add.FillY(bandX, bandLow, bandHigh);
            band.FillColor = color.WithAlpha(0.18);
            band.LineWidth = 0;

            var curve = plot.Add.Scatter(xs, ys, color);
            curve.ConnectStyle = ConnectStyle.StepHorizontal;
            curve.LineWidth = 2;
            curve.MarkerSize = 0;
            curve.LegendText = group.Key;

            var censored = steps.Where(s => s.Censored > 0).ToArray();
            var marks = plot.Add.Markers(censored.Select(s => (double)s.Day).ToArray(), censored.Select(s => s.Survival).ToArray(), MarkerShape.VerticalBar, 8, color);
            marks.MarkerLineWidth = 1;

            var atRisk = plot.Axes.AddBottomAxis();
            atRisk.LabelText = $"At risk: {group.Key}";
            atRisk.LabelFontSize = 11;
            var labels = new ScottPlot.TickGenerators.NumericManual();
            foreach (var day in ticks) labels.AddMajor(day, AtRiskOn(steps, day));
            atRisk.TickGenerator = labels;
            plot.Axes.SetLimitsX(0, lastDay, atRisk);
        }
        var days = new ScottPlot.TickGenerators.NumericManual();
        foreach (var day in ticks) days.AddMajor(day, day.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = days;
        plot.Axes.SetLimits(0, lastDay, 0, 1.02);
        plot.XLabel(SurvivalXLabel);
        plot.YLabel(SurvivalYLabel);
        plot.Title($"Time to first improvement (Kaplan–Meier, 95% log-log bands), by {report.GroupBy}");
        if (groups.Count > 0) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    public static int Height(int curves) => 480 + 52 * Math.Min(curves, MaxCurves);

    /// <summary>The 95% band as a step function (null bounds, where the curve is 1 or 0, are the curve itself).</summary>
    private static (double[] X, double[] Low, double[] High) StepBand(List<SurvivalStep> steps, int lastDay)
    {
        List<double> x = [0], low = [1], high = [1];
        foreach (var step in steps)
        {
            x.AddRange([step.Day, step.Day]);
            low.AddRange([low[^1], step.Low ?? step.Survival]);
            high.AddRange([high[^1], step.High ?? step.Survival]);
        }
        x.Add(lastDay); low.Add(low[^1]); high.Add(high[^1]);
        return (x.ToArray(), low.ToArray(), high.ToArray());
    }

    /// <summary>At risk on a day: the first step on or after it; blank past the curve's end.</summary>
    private static string AtRiskOn(List<SurvivalStep> steps, int day) =>
        steps.FirstOrDefault(s => s.Day >= day)?.AtRisk.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static int[] TickDays(int lastDay)
    {
        var step = new[] { 1, 2, 5, 7, 10, 14, 30, 60, 90, 180, 365 }.FirstOrDefault(s => lastDay / s <= 8, 730);
        return Enumerable.Range(0, lastDay / step + 1).Select(i => i * step).ToArray();
    }

    public const string OutcomesXLabel = "Share of cases";

    /// <summary>Stacked horizontal bars: how each arm's (and stratum's) cases ended, as shares of its cases.</summary>
    public static Plot OutcomeDistribution(string title, IReadOnlyList<(string Label, FinalOutcomeCounts Counts)> bars)
    {
        var plot = new Plot();
        string[] statuses = ["resolved", "marked-improvement", "improved", "unchanged", "worsened", "not assessed"];
        var palette = new ScottPlot.Palettes.Category10();
        var drawn = new List<Bar>();
        for (var i = 0; i < bars.Count; i++)
        {
            var c = bars[i].Counts;
            int?[] counts = [c.Resolved, c.MarkedImprovement, c.Improved, c.Unchanged, c.Worsened, c.NotAssessed];
            double total = counts.Sum(n => n ?? 0), start = 0;
            for (var s = 0; s < statuses.Length && total > 0; s++)
            {
                var share = (counts[s] ?? 0) / total;
                drawn.Add(new Bar { Position = bars.Count - i, ValueBase = start, Value = start + share, FillColor = palette.GetColor(s), Orientation = Orientation.Horizontal });
                start += share;
            }
        }
        plot.Add.Bars(drawn);
        var labels = new ScottPlot.TickGenerators.NumericManual();
        for (var i = 0; i < bars.Count; i++) labels.AddMajor(bars.Count - i, bars[i].Label);
        plot.Axes.Left.TickGenerator = labels;
        for (var s = 0; s < statuses.Length; s++) plot.Legend.ManualItems.Add(new LegendItem { LabelText = statuses[s], FillColor = palette.GetColor(s) });
        plot.ShowLegend(Alignment.LowerRight);
        plot.Axes.SetLimits(0, 1.35, 0.4, bars.Count + 0.6);
        plot.XLabel(OutcomesXLabel);
        plot.YLabel("Cases");
        plot.Title(title);
        return plot;
    }
}
