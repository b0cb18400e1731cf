using Registry.Api.Analytics.Statistics;

namespace Registry.Tests.Analytics;

/// <summary>The 2×2 statistics against published worked examples (the Kaplan–Meier and log-rank ones run through the API: TimeToImprovementTests).</summary>
public sealed class KnownAnswerTests
{
    [Fact]
    public void Fisher_exact_test_gives_the_published_p_of_the_tea_tasting_experiment()
    {
        // Fisher's tea-tasting experiment, Agresti, Categorical Data Analysis (2nd ed., 2002), Table 3.8: of 4 cups with
        // milk poured first the lady named 3, of 4 with tea first she named 1 as milk-first. Two-sided P = 0.486 (0.4857).
        var table = new TwoByTwo(A: 3, N1: 4, C: 1, N0: 4);

        Assert.True(table.AnyExpectedBelow5());
        Assert.Equal(0.4857, Math.Round(table.FisherExactP(), 4));
        Assert.Equal(1.0, new TwoByTwo(2, 4, 2, 4).FisherExactP(), 10);
    }

    [Fact]
    public void Risk_difference_relative_risk_and_chi_square_match_the_aspirin_trial_example()
    {
        // The Physicians' Health Study as worked in Agresti, An Introduction to Categorical Data Analysis (2nd ed.,
        // 2007), section 2.2: myocardial infarction in 189 of 11,034 on placebo and 104 of 11,037 on aspirin. Published:
        // difference of proportions 0.0077 with 95% Wald interval (0.005, 0.011); relative risk 1.82 with a log
        // interval of (1.43, 2.31) to two decimals. The 4 decimals are those formulas (Agresti eqs. 2.2 and 2.3).
        var table = new TwoByTwo(A: 189, N1: 11034, C: 104, N0: 11037);

        var rd = table.RiskDifference()!.Value;
        Assert.Equal((0.0077, 0.0047, 0.0107), (Math.Round(rd.Value, 4), Math.Round(rd.Low, 4), Math.Round(rd.High, 4)));
        var rr = table.RelativeRisk()!.Value;
        Assert.Equal((1.8178, 1.4330, 2.3059), (Math.Round(rr.Value, 4), Math.Round(rr.Low, 4), Math.Round(rr.High, 4)));
        // Every expected count is far above 5: Pearson's X² (no continuity correction) = 25.01, p = 5.7e-7.
        Assert.False(table.AnyExpectedBelow5());
        var chi = table.ChiSquare()!.Value;
        Assert.Equal(25.0139, Math.Round(chi.ChiSquare, 4));
        Assert.Equal(5.69e-7, chi.P, 1e-9);
    }

    [Fact]
    public void Mantel_Haenszel_pooling_of_identical_strata_gives_their_common_relative_risk()
    {
        var stratum = new TwoByTwo(A: 20, N1: 40, C: 10, N0: 40);

        var pooled = TwoByTwo.MantelHaenszelRelativeRisk([stratum, stratum])!.Value;

        Assert.Equal(2.0, pooled.Value, 10);
        Assert.True(pooled.Low is > 1 and < 2 && pooled.High > 2);
        Assert.Null(TwoByTwo.MantelHaenszelRelativeRisk([new TwoByTwo(0, 5, 0, 5)]));
    }
}
