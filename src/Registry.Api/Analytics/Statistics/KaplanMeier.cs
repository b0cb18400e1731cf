using MathNet.Numerics.Distributions;

namespace Registry.Api.Analytics.Statistics;

/// <summary>A day on which cases leave the risk set: <c>Events</c> improved first that day, <c>Censored</c> were last seen that day without improving.</summary>
public readonly record struct SurvivalDay(int Day, int Events, int Censored);

/// <summary>One step of a Kaplan–Meier curve: the estimate just after <c>Day</c>, with its pointwise 95% interval (null where undefined).</summary>
public sealed record KaplanMeierStep(int Day, int AtRisk, int Events, int Censored, double Survival, double? Low, double? High);

/// <summary>The Kaplan–Meier product-limit estimator, as in Klein &amp; Moeschberger (2003), section 4.2.</summary>
public static class KaplanMeier
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public static readonly double Z95 = Normal.InvCDF(0, 1, 0.975);

    /// <summary>
    /// S(t) = Π over event days tᵢ ≤ t of (1 − dᵢ/nᵢ) (K&amp;M eq. 4.2.1), where nᵢ counts the cases still at risk on tᵢ
    /// (those censored on tᵢ are at risk on it: events come first). The interval is the log-log one (K&amp;M eq. 4.3.2):
    /// σ² = Σ dᵢ/(nᵢ(nᵢ − dᵢ)) (Greenwood), θ = exp(z·σ / ln S), interval [S^(1/θ), S^θ]; undefined where S is 0 or 1.
    /// </summary>
    public static List<KaplanMeierStep> Estimate(IEnumerable<SurvivalDay> days)
    {
        var ordered = days.Where(d => d.Events + d.Censored > 0).OrderBy(d => d.Day).ToList();
        var atRisk = ordered.Sum(d => d.Events + d.Censored);
        double survival = 1, greenwood = 0;
        var steps = new List<KaplanMeierStep>(ordered.Count);
        foreach (var day in ordered)
        {
            if (day.Events > 0)
            {
                survival *= 1 - (double)day.Events / atRisk;
                greenwood += day.Events < atRisk ? day.Events / ((double)atRisk * (atRisk - day.Events)) : double.PositiveInfinity;
            }
            var (low, high) = LogLogInterval(survival, greenwood);
            steps.Add(new KaplanMeierStep(day.Day, atRisk, day.Events, day.Censored, survival, low, high));
            atRisk -= day.Events + day.Censored;
        }
        return steps;
    }

    private static (double? Low, double? High) LogLogInterval(double survival, double greenwood)
    {
        if (survival is <= 0 or >= 1 || double.IsInfinity(greenwood)) return (null, null);
        var theta = Math.Exp(Z95 * Math.Sqrt(greenwood) / Math.Log(survival));
        (double low, double high) = (Math.Pow(survival, 1 / theta), Math.Pow(survival, theta));
        return double.IsFinite(low) && double.IsFinite(high) ? (low, high) : (null, null);
    }

    /// <summary>S at day t: the last step on or before t (1 before the first).</summary>
    public static double SurvivalAt(IReadOnlyList<KaplanMeierStep> steps, int day) =>
        steps.LastOrDefault(s => s.Day <= day)?.Survival ?? 1;

    /// <summary>
    /// The median: the first day the curve is at or below 0.5 (K&amp;M section 4.5). Its 95% interval is
    /// Brookmeyer &amp; Crowley's (1982) — the days whose log-log test of S(t) = 0.5 is not rejected — read off the
    /// pointwise log-log bands as R's survival package does: the first day the lower band reaches 0.5 and the first
    /// day the upper band does (where a band is undefined, S is 0 or 1 and the band is S). A null is a limit not reached.
    /// </summary>
    public static (int? Median, int? Low, int? High) Median(IReadOnlyList<KaplanMeierStep> steps) =>
        (steps.FirstOrDefault(s => s.Survival <= 0.5)?.Day,
         steps.FirstOrDefault(s => (s.Low ?? s.Survival) <= 0.5)?.Day,
         steps.FirstOrDefault(s => (s.High ?? s.Survival) <= 0.5)?.Day);
}
