using System.Globalization;

namespace Flint.Reports;

/// <summary>Numbers for people: three significant digits, no float noise, and spreads as mean ± sd.</summary>
public static class Numbers
{
    /// <summary><c>0.000123</c>, <c>0.731</c>, <c>5.42</c>, <c>40</c>, <c>1,230</c>, <c>2,800,000</c>; empty for a missing or non-finite value.</summary>
    public static string Sig3(double? value)
    {
        if (value is not { } x || !double.IsFinite(x)) return "";
        if (x == 0) return "0";
        if (double.IsInteger(x) && Math.Abs(x) < 1000) return x.ToString("F0", CultureInfo.InvariantCulture); // counts: 40, not 40.0
        int magnitude = (int)Math.Floor(Math.Log10(Math.Abs(x)));
        int decimals = 2 - magnitude;
        if (decimals > 6) return x.ToString("0.00e0", CultureInfo.InvariantCulture);
        if (decimals >= 0) return Math.Round(x, decimals).ToString("F" + decimals, CultureInfo.InvariantCulture);
        var rounded = Math.Round(x / Math.Pow(10, -decimals)) * Math.Pow(10, -decimals);
        return rounded.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary><c>0.731 ± 0.0120</c> (the spread to three significant digits too); just the value for one sample.</summary>
    public static string Spread(Stat stat) => stat.N == 0 ? "" : stat.N == 1 ? Sig3(stat.Mean) : $"{Sig3(stat.Mean)} ± {Sig3(stat.Sd)}";
}

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

    /// <summary>Two-sided 95 % quantile of Student's t with <paramref name="df"/> degrees of freedom.</summary>
    static double T95(int df) => df switch
    {
        1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, 6 => 2.447, 7 => 2.365, 8 => 2.306, 9 => 2.262, 10 => 2.228,
        <= 15 => 2.131, <= 20 => 2.086, <= 30 => 2.042, <= 60 => 2.000, _ => 1.96,
    };
}
