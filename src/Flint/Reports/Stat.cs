namespace Flint.Reports;

/// <summary>Mean, sample standard deviation and count of some values.</summary>
/// <param name="Mean">Mean (NaN when there are none).</param>
/// <param name="Sd">Sample standard deviation (0 for one value).</param>
/// <param name="N">How many.</param>
public readonly record struct Stat(double Mean, double Sd, int N)
{
    /// <summary>The statistics of the finite values among <paramref name="values"/>.</summary>
    public static Stat Of(IEnumerable<double?> values)
    {
        var xs = values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToList();
        if (xs.Count == 0) return new Stat(double.NaN, double.NaN, 0);
        double mean = xs.Average();
        return new Stat(mean, xs.Count > 1 ? Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1)) : 0, xs.Count);
    }

    /// <summary>The 95 % interval of the mean (Student's t), or null with fewer than two values.</summary>
    public (double Low, double High)? Interval95 => N < 2 ? null : (Mean - T95(N - 1) * Sd / Math.Sqrt(N), Mean + T95(N - 1) * Sd / Math.Sqrt(N));

    static double T95(int df) => Flint.Metrics.Spread.T95(df); // one t table for the whole library
}
