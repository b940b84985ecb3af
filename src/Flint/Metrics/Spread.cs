namespace Flint.Metrics;

/// <summary>
/// A number with its uncertainty over repeats (seeds): mean, sample standard deviation and a 95 % confidence interval of
/// the mean from Student's t with n − 1 degrees of freedom. For a paired comparison, pass the per-seed differences.
/// </summary>
/// <param name="Mean">The mean.</param>
/// <param name="Sd">The sample standard deviation (n − 1 in the denominator); NaN for one value.</param>
/// <param name="Count">How many values.</param>
/// <param name="Low">Lower end of the 95 % interval of the mean (NaN for one value).</param>
/// <param name="High">Upper end of the 95 % interval of the mean (NaN for one value).</param>
public sealed record Spread(double Mean, double Sd, int Count, double Low, double High)
{
    /// <summary>Two-sided 97.5 % quantiles of Student's t for 1…30 degrees of freedom.</summary>
    static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The two-sided 95 % quantile of Student's t with <paramref name="df"/> (≥ 1) degrees of freedom (1.96 beyond 30).</summary>
    public static double T95(int df) => df >= 1 && df <= T975.Length ? T975[df - 1] : df > T975.Length ? 1.96
        : throw new ArgumentOutOfRangeException(nameof(df), df, "Student's t needs at least one degree of freedom.");

    /// <summary>The spread of <paramref name="values"/> (at least one).</summary>
    public static Spread Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("A spread needs at least one value.", nameof(values));
        double mean = values.Average();
        if (values.Count == 1) return new Spread(mean, double.NaN, 1, double.NaN, double.NaN);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        double half = T95(values.Count - 1) * sd / Math.Sqrt(values.Count);
        return new Spread(mean, sd, values.Count, mean - half, mean + half);
    }

    /// <summary>The spread of the per-index differences <paramref name="a"/>[i] − <paramref name="b"/>[i] (pairs share a seed).</summary>
    public static Spread OfDifferences(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Paired values need equal counts ({a.Count} vs {b.Count}).", nameof(b));
        return Of(a.Zip(b, (x, y) => x - y).ToList());
    }

    /// <summary>As a percentage of accuracy, e.g. "+5.2 ± 1.1 points (95 % CI +2.4 to +8.0, 3 seeds)".</summary>
    public string Points(bool signed = false)
    {
        string F(double v) => (signed && v >= 0 ? "+" : "") + (100 * v).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        return Count == 1 ? $"{F(Mean)} (1 seed, no spread)" : $"{F(Mean)} ± {(100 * Sd).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} (95 % CI {F(Low)} to {F(High)}, {Count} seeds)";
    }
}
