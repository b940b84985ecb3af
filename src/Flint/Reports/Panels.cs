namespace Flint.Reports;

/// <summary>One chart of curves: exact metric keys drawn for the groups of one phase.</summary>
/// <param name="Phase">The runs' kind (pretrain, finetune, …): phases never share a y-axis.</param>
/// <param name="Title">Title.</param>
/// <param name="Metrics">The metric keys, exactly as logged.</param>
internal sealed record Panel(string Phase, string Title, IReadOnlyList<string> Metrics);

/// <summary>
/// Which curves go together: every logged metric is drawn, grouped by phase, then by prefix (<c>train/</c>, <c>val/</c>,
/// <c>throughput/</c>, none), then by scale (values more than ten times apart get their own panel), with the losses of
/// every split on one panel first. A new objective's metrics appear without anyone listing them.
/// </summary>
internal static class Panels
{
    const int MaxPerPanel = 6;

    public static IReadOnlyList<Panel> Of(string phase, IReadOnlyList<ReportRun> runs)
    {
        var metrics = Curves(runs);
        var panels = new List<Panel>();
        var losses = metrics.Where(m => m.Split('/')[^1].EndsWith("loss", StringComparison.Ordinal)).OrderBy(m => m.StartsWith("train/", StringComparison.Ordinal) ? 0 : 1).ToList();
        if (losses.Count > 0) panels.Add(new Panel(phase, $"{phase}: loss", losses));
        foreach (var prefix in metrics.Except(losses).GroupBy(m => m.Contains('/', StringComparison.Ordinal) ? m[..m.IndexOf('/', StringComparison.Ordinal)] : ""))
        {
            // Ordered by typical size; a new panel starts where values grow more than tenfold.
            var sized = prefix.Select(m => (Metric: m, Scale: Scale(runs, m))).OrderBy(x => x.Scale).ToList();
            var current = new List<string>();
            double start = double.NaN;
            foreach (var (metric, scale) in sized)
            {
                if (current.Count > 0 && (scale - start > 1 || current.Count == MaxPerPanel))
                {
                    panels.Add(Named(phase, prefix.Key, current));
                    current = [];
                }
                if (current.Count == 0) start = scale;
                current.Add(metric);
            }
            if (current.Count > 0) panels.Add(Named(phase, prefix.Key, current));
        }
        return panels;
    }

    /// <summary>Metrics some run logged at two points or more (a metric logged once is a final value: the tables and bars show it).</summary>
    public static List<string> Curves(IReadOnlyList<ReportRun> runs) =>
        runs.SelectMany(r => r.Series.Where(kv => kv.Value.Count > 1).Select(kv => kv.Key)).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Metrics logged, but never more than once per run.</summary>
    public static List<string> Once(IReadOnlyList<ReportRun> runs) =>
        runs.SelectMany(r => r.Series.Keys).Distinct().Except(Curves(runs)).Order(StringComparer.Ordinal).ToList();

    static Panel Named(string phase, string prefix, List<string> metrics) =>
        new(phase, metrics.Count == 1 ? $"{phase}: {metrics[0]}" : $"{phase}: {(prefix.Length > 0 ? prefix + "/*" : string.Join(", ", metrics))}", metrics);

    /// <summary>log10 of the median magnitude of a metric's values over the runs.</summary>
    static double Scale(IReadOnlyList<ReportRun> runs, string metric)
    {
        var values = runs.SelectMany(r => r.Series.TryGetValue(metric, out var p) ? p : []).Select(p => Math.Abs(p.Value)).Where(v => v > 0 && double.IsFinite(v)).Order().ToList();
        return values.Count == 0 ? 0 : Math.Log10(values[values.Count / 2]);
    }
}
