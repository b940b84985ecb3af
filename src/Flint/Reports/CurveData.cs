namespace Flint.Reports;

/// <summary>Turns a group's logged points into a <see cref="Curve"/>: one run as it is, several seeds as mean ± sd at the steps all of them logged, then EMA smoothing.</summary>
internal static class CurveData
{
    /// <summary>The curve of <paramref name="metric"/> for <paramref name="group"/>, or null when none of its runs logged it.</summary>
    public static Curve? For(RunGroup group, string metric, Charts.Axis axis, double smoothing, string label)
    {
        var series = group.Runs.Select(r => r.Series.TryGetValue(metric, out var p) ? p : null).Where(p => p is { Count: > 0 }).Select(p => p!).ToList();
        if (series.Count == 0) return null;
        double X(MetricPoint p) => axis switch { Charts.Axis.Tokens => p.Tokens, Charts.Axis.WallTime => p.WallSeconds, _ => p.Step };
        if (series.Count == 1)
        {
            var points = series[0];
            return Smoothed(new Curve(label, [.. points.Select(X)], [.. points.Select(p => p.Value)]), smoothing);
        }
        // Seeds: the steps every run logged (the last value at a step wins, as a resumed run may log one twice).
        var byStep = series.Select(s => s.GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.Last())).ToList();
        var steps = byStep.Skip(1).Aggregate(new HashSet<long>(byStep[0].Keys), (set, d) => { set.IntersectWith(d.Keys); return set; }).Order().ToList();
        if (steps.Count == 0) return null;
        var stats = steps.Select(s => Stat.Of(byStep.Select(d => (double?)d[s].Value))).ToList();
        return Smoothed(new Curve($"{label} (mean ± sd, {series.Count} seeds)", [.. steps.Select(s => byStep.Average(d => X(d[s])))], [.. stats.Select(s => s.Mean)],
            [.. stats.Select(s => s.Mean - s.Sd)], [.. stats.Select(s => s.Mean + s.Sd)]), smoothing);
    }

    /// <summary>TensorBoard's smoothing (a debiased EMA) for curves of 20 points or more; the raw values are kept to draw faintly.</summary>
    static Curve Smoothed(Curve curve, double weight)
    {
        if (weight <= 0 || curve.Y.Length < 20) return curve;
        return curve with { Y = Ema(curve.Y, weight), Low = curve.Low is null ? null : Ema(curve.Low, weight), High = curve.High is null ? null : Ema(curve.High, weight), Raw = curve.Y };
    }

    public static double[] Ema(double[] values, double weight)
    {
        var result = new double[values.Length];
        double last = 0, debias = 0;
        for (int i = 0; i < values.Length; i++)
        {
            last = last * weight + (1 - weight) * values[i];
            debias = debias * weight + (1 - weight);
            result[i] = last / debias;
        }
        return result;
    }
}
