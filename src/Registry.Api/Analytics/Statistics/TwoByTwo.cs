using MathNet.Numerics.Distributions;


namespace Registry.Api.Analytics.Statistics;

/// <summary>
/// A 2×2 table: of <c>N1</c> exposed cases <c>A</c> had the outcome, of <c>N0</c> unexposed cases <c>C</c> had it.
/// Formulas as in Agresti, Categorical Data Analysis (2nd ed., 2002), sections 3.1 and 3.5.
/// </summary>
public readonly record struct TwoByTwo(int A, int N1, int C, int N0)
{
    public int B => N1 - A;
    public int D => N0 - C;
    public int N => N1 + N0;
    private double P1 => (double)A / N1;
    private double P0 => (double)C / N0;

    /// <summary>p₁ − p₀ with the Wald interval ± z·√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀) (Agresti eq. 3.2). Null when an arm is empty.</summary>
    public (double Value, double Low, double High)? RiskDifference()
    {
        if (N1 == 0 || N0 == 0) return null;
        var se = Math.Sqrt(P1 * (1 - P1) / N1 + P0 * (1 - P0) / N0);
        var rd = P1 - P0;
        return (rd, rd - KaplanMeier.Z95 * se, rd + KaplanMeier.Z95 * se);
    }

    /// <summary>p₁/p₀ with the log interval exp(ln RR ± z·√(1/a − 1/n₁ + 1/c − 1/n₀)) (Katz; Agresti eq. 3.3). Null when a or c is 0.</summary>
    public (double Value, double Low, double High)? RelativeRisk()
    {
        if (A == 0 || C == 0) return null;
        var rr = P1 / P0;
        var se = Math.Sqrt(1.0 / A - 1.0 / N1 + 1.0 / C - 1.0 / N0);
        return (rr, rr * Math.Exp(-KaplanMeier.Z95 * se), rr * Math.Exp(KaplanMeier.Z95 * se));
    }

    /// <summary>The expected count of each cell under independence: row total × column total / n.</summary>
    public bool AnyExpectedBelow5()
    {
        double events = A + C, others = B + D, n = N;
        return new[] { N1 * events, N1 * others, N0 * events, N0 * others }.Any(e => e / n < 5);
    }

    /// <summary>Pearson's X² = Σ (O − E)²/E over the four cells, 1 degree of freedom, no continuity correction (Agresti eq. 3.10).</summary>
    public (double ChiSquare, double P)? ChiSquare()
    {
        double events = A + C, others = B + D;
        if (N1 == 0 || N0 == 0 || events == 0 || others == 0) return null;
        double Term(double observed, double expected) => (observed - expected) * (observed - expected) / expected;
        var x2 = Term(A, N1 * events / N) + Term(B, N1 * others / N) + Term(C, N0 * events / N) + Term(D, N0 * others / N);
        var p = LogRank.ChiSquareUpperTail(1, x2);
        return double.IsFinite(x2) && double.IsFinite(p) ? (x2, p) : null;
    }

    /// <summary>
    /// Fisher's exact test, two-sided (Agresti section 3.5.1): with the margins fixed, a is hypergeometric; p sums the
    /// probabilities of every table no more likely than the one observed (a relative tolerance of 1e−7, as R's fisher.test).
    /// </summary>
    public double FisherExactP()
    {
        int events = A + C, low = Math.Max(0, events - N0), high = Math.Min(N1, events);
        var table = new Hypergeometric(N, events, N1);
        var observed = table.Probability(A);
        var p = 0.0;
        for (var a = low; a <= high; a++)
        {
            var probability = table.Probability(a);
            if (probability <= observed * (1 + 1e-7)) p += probability;
        }
        return Math.Min(1, p);
    }

    /// <summary>
    /// The Mantel–Haenszel relative risk over strata, RR = Σ aᵢn₀ᵢ/Nᵢ ÷ Σ cᵢn₁ᵢ/Nᵢ, with the Greenland–Robins (1985)
    /// variance of its log: Σ (n₁ᵢn₀ᵢ(aᵢ + cᵢ) − aᵢcᵢNᵢ)/Nᵢ² ÷ (Σ aᵢn₀ᵢ/Nᵢ · Σ cᵢn₁ᵢ/Nᵢ) (Rothman, Modern Epidemiology,
    /// 3rd ed., eq. 15-20). Null when either sum is 0.
    /// </summary>
    public static (double Value, double Low, double High)? MantelHaenszelRelativeRisk(IEnumerable<TwoByTwo> strata)
    {
        double numerator = 0, denominator = 0, variance = 0;
        foreach (var s in strata.Where(s => s.N > 0))
        {
            numerator += (double)s.A * s.N0 / s.N;
            denominator += (double)s.C * s.N1 / s.N;
            variance += ((double)s.N1 * s.N0 * (s.A + s.C) - (double)s.A * s.C * s.N) / ((double)s.N * s.N);
        }
        if (numerator == 0 || denominator == 0) return null;
        var rr = numerator / denominator;
        var se = Math.Sqrt(variance / (numerator * denominator));
        return (rr, rr * Math.Exp(-KaplanMeier.Z95 * se), rr * Math.Exp(KaplanMeier.Z95 * se));
    }
}
