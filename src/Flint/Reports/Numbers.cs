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
