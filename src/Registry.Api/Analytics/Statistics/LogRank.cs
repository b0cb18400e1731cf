using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Registry.Api.Analytics.Statistics;

/// <summary>The log-rank test of equal survival across groups: chi-square, its degrees of freedom and p.</summary>
public sealed record LogRankResult(double ChiSquare, int DegreesOfFreedom, double P, double[] Observed, double[] Expected);

public static class LogRank
{
    /// <summary>P(X ≥ x) for X chi-square with df degrees of freedom: Q(df/2, x/2), the regularised upper incomplete gamma (exact in the tail, where 1 − CDF would round to 0).</summary>
    public static double ChiSquareUpperTail(int df, double x) => SpecialFunctions.GammaUpperRegularized(df / 2.0, x / 2);

    /// <summary>
    /// The k-sample log-rank test (Klein &amp; Moeschberger section 7.3): on each event day t with n at risk and d events
    /// over all groups, group j expects Eⱼ += d·nⱼ/n and contributes to the covariance
    /// Vⱼₗ += d·(nⱼ/n)(δⱼₗ − nₗ/n)(n − d)/(n − 1). The statistic is (O − E)ᵀ V⁻¹ (O − E) over the first k − 1 groups,
    /// chi-square with k − 1 degrees of freedom. Null when fewer than two groups have cases or no event happened.
    /// </summary>
    public static LogRankResult? Test(IReadOnlyList<IReadOnlyList<SurvivalDay>> groups)
    {
        var k = groups.Count;
        if (k < 2) return null;
        var atRisk = groups.Select(g => (double)g.Sum(d => d.Events + d.Censored)).ToArray();
        if (atRisk.Any(n => n == 0)) return null;
        var byDay = groups.SelectMany((g, j) => g.Select(d => (Group: j, d.Day, d.Events, d.Censored)))
            .GroupBy(x => x.Day).OrderBy(x => x.Key);
        var observed = new double[k];
        var expected = new double[k];
        var v = Matrix<double>.Build.Dense(k, k);
        foreach (var day in byDay)
        {
            var events = new double[k];
            var leaving = new double[k];
            foreach (var x in day) { events[x.Group] += x.Events; leaving[x.Group] += x.Events + x.Censored; }
            double d = events.Sum(), n = atRisk.Sum();
            if (d > 0)
            {
                for (var j = 0; j < k; j++)
                {
                    observed[j] += events[j];
                    expected[j] += d * atRisk[j] / n;
                    if (n > 1)
                        for (var l = 0; l < k; l++)
                            v[j, l] += d * (atRisk[j] / n) * ((j == l ? 1 : 0) - atRisk[l] / n) * (n - d) / (n - 1);
                }
            }
            for (var j = 0; j < k; j++) atRisk[j] -= leaving[j];
        }
        if (observed.Sum() == 0) return null;
        var diff = Vector<double>.Build.Dense(k - 1, j => observed[j] - expected[j]);
        var reduced = v.SubMatrix(0, k - 1, 0, k - 1);
        if (Math.Abs(reduced.Determinant()) < 1e-12) return null;
        var chiSquare = diff * reduced.Inverse() * diff;
        // A near-singular covariance (overlapping or nearly identical groups) can invert to a non-finite or negative form.
        var p = ChiSquareUpperTail(k - 1, chiSquare);
        if (!double.IsFinite(chiSquare) || chiSquare < 0 || !double.IsFinite(p)) return null;
        return new LogRankResult(chiSquare, k - 1, p, observed, expected);
    }
}
