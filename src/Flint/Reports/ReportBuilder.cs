using Flint.Tracking;

namespace Flint.Reports;

/// <summary>
/// Builds a report of runs (a demo, a sweep, or any runs) the way a paper shows a result: a headline (what was compared,
/// mean ± sd over seeds, the 95 % interval of paired differences), then one panel per phase and metric scale with every
/// logged metric (seeds as a mean line and band, EMA smoothing), final metrics as bars with error bars, label-efficiency
/// curves when runs differ by label budget, confusion heatmaps, and tables in which every number names its run.
/// HTML (inline SVG, PNGs beside it), Markdown (PNGs beside it) or a LaTeX results table.
/// </summary>
public static class ReportBuilder
{
    /// <summary>The setting that holds a fine-tuning run's label budget.</summary>
    const string LabelBudget = "data.train_examples";

    /// <summary>Writes the report to <paramref name="outputPath"/>; returns the PNG files written beside it.</summary>
    public static IReadOnlyList<string> Write(ReportRequest request, string outputPath)
    {
        var runs = request.Runs.SelectMany(ReportRun.Expand).Distinct().Select(ReportRun.Load).Where(r => r.Kind is not ("demo" or "sweep")).ToList();
        if (runs.Count == 0) throw new ArgumentException($"<runs>: {string.Join(", ", request.Runs)} hold no runs to report.");
        var common = runs.Select(r => r.Series.Keys.Concat(r.FinalMetrics).ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; });
        if (runs.Count > 1 && common.Count == 0)
            throw new ArgumentException($"<runs>: {string.Join(", ", runs.Select(r => r.Id))} share no logged metric, so nothing can be compared; report them separately.");
        var phases = runs.GroupBy(r => r.Kind).Select(g => (Phase: g.Key, Groups: RunGroup.Of(g.ToList()))).ToList();

        var figures = new List<Figure>();
        foreach (var (phase, groups) in phases) figures.AddRange(PhaseFigures(request, phase, groups));
        foreach (var (chart, i) in request.Extra.Select((c, i) => (c, i)))
        {
            var groups = phases.SelectMany(p => p.Groups).ToList();
            var kinds = groups.SelectMany(g => g.Runs).Where(r => chart.Metrics.Any(r.Series.ContainsKey)).Select(r => r.Kind).Distinct().ToList();
            var mixed = kinds.Count > 1 ? $" Note: it mixes {string.Join(" and ", kinds)} runs on one axis." : "";
            var curves = groups.SelectMany(g => chart.Metrics.Select(m => CurveData.For(g, m, request.X, request.Smoothing, $"{g.Label}: {m}"))).OfType<Curve>().ToList();
            if (Figures.Lines($"extra-{i + 1}", chart.Title, AxisLabel(request.X), string.Join(", ", chart.Metrics), curves,
                    $"{chart.Title} (added chart). Metric keys: {string.Join(", ", chart.Metrics)}. Runs: {string.Join(", ", groups.SelectMany(g => g.Runs).Select(r => r.Id))}.{mixed}") is { } f)
                figures.Add(f);
        }

        var headline = Headline.Of(runs, phases).ToList();
        foreach (var (phase, groups) in phases)
            if (Panels.Once(groups.SelectMany(g => g.Runs).ToList()) is { Count: > 0 } once)
                headline.Add($"{phase}: logged once per run, so shown in the tables rather than as curves: {string.Join(", ", once)}.");
        var content = new ReportContent(request.Title, headline, figures, Tables(request, runs, phases));
        var format = request.Format ?? Path.GetExtension(outputPath).ToLowerInvariant() switch { ".md" => ReportFormat.Markdown, ".tex" => ReportFormat.Latex, _ => ReportFormat.Html };
        return ReportWriter.Write(content, format, outputPath);
    }

    static IEnumerable<Figure> PhaseFigures(ReportRequest request, string phase, IReadOnlyList<RunGroup> groups)
    {
        var runs = groups.SelectMany(g => g.Runs).ToList();
        var data = runs.Select(r => r.Config.GetValueOrDefault("data.path") ?? "").Distinct().ToList();
        var note = data.Count > 1 ? $" Note: these runs are on different data ({string.Join("; ", data.Select(d => Path.GetFileName(d.TrimEnd('/'))))})." : "";
        var ids = string.Join(", ", runs.Select(r => r.Id));
        int n = 0;
        foreach (var panel in Panels.Of(phase, runs))
        {
            var curves = groups.SelectMany(g => panel.Metrics.Select(m => CurveData.For(g, m, request.X, request.Smoothing, groups.Count > 1 ? $"{g.Label}: {m}" : m))).OfType<Curve>().ToList();
            var smoothing = curves.Any(c => c.Raw is not null) ? $" Smoothed (EMA {Numbers.Sig3(request.Smoothing)}); raw values faint." : "";
            var bands = curves.Any(c => c.Low is not null) ? " Bands: ± sd over seeds." : "";
            if (Figures.Lines($"{Slug(phase)}-{++n}", panel.Title, AxisLabel(request.X), panel.Metrics.Count == 1 ? panel.Metrics[0] : string.Join(", ", panel.Metrics), curves,
                    $"{panel.Title} against {AxisLabel(request.X)}. Metric keys: {string.Join(", ", panel.Metrics)}. Runs: {ids}.{smoothing}{bands}{note}") is { } figure)
                yield return figure;
        }

        if (groups.Count > 1 || groups.Any(g => g.Runs.Count > 1))
            // The headline metric and the top-level val/ and test/ ones (nested scores such as test/scores/f1_macro stay in the tables).
            foreach (var metric in runs.SelectMany(r => r.FinalMetrics).Distinct().Where(m => m.Count(c => c == '/') == 1).Order(StringComparer.Ordinal).Take(4))
                if (Figures.Bars($"{Slug(phase)}-final-{Slug(metric)}", $"{phase}: final {metric}", metric, groups.Select(g => (g.Label, g.Final(metric))).ToList(),
                        $"Final {metric} per setting (mean; error bars ± sd over seeds). " + string.Join("; ", groups.Select(g => $"{g.Label}: {g.Ids}")) + ".") is { } bars)
                    yield return bars;

        if (LabelEfficiency(request, phase, runs) is { } efficiency) yield return efficiency;

        foreach (var (group, i) in groups.Select((g, i) => (g, i)).Take(8))
            if (Confusion.Sum(group.Runs.Select(r => r.Folder)) is { } matrix)
                yield return Figures.Heatmap($"{Slug(phase)}-confusion-{i + 1}", $"Confusion (test): {group.Label}", matrix.Labels, matrix.Counts,
                    $"Confusion matrix on the test set, {group.Label}{(group.Runs.Count > 1 ? ", summed over seeds" : "")}. Runs: {group.Ids}.");
    }

    /// <summary>Test accuracy against the label budget, one line per setting, when the runs differ by <see cref="LabelBudget"/>.</summary>
    static Figure? LabelEfficiency(ReportRequest request, string phase, IReadOnlyList<ReportRun> runs)
    {
        static double? Budget(ReportRun r) => double.TryParse(r.Config.GetValueOrDefault(LabelBudget), System.Globalization.CultureInfo.InvariantCulture, out var b) ? b : null;
        var budgeted = runs.Where(r => Budget(r) is not null).ToList();
        if (budgeted.Select(Budget).Distinct().Count() < 2 || Headline.PrimaryMetric(budgeted) is not { } metric) return null;
        // Settings that follow from the budget (the demo's epochs per budget, say) are part of the x-axis, not a curve of their own.
        var derived = budgeted.SelectMany(r => r.Config.Keys).Distinct()
            .Where(k => budgeted.GroupBy(Budget).All(g => g.Select(r => r.Config.GetValueOrDefault(k)).Distinct().Count() == 1)).ToHashSet();
        derived.Add(LabelBudget);
        var curves = new List<Curve>();
        foreach (var setting in budgeted.GroupBy(r => string.Join(";", r.Config.Where(kv => !derived.Contains(kv.Key) && !ReportRun.Incidental.Contains(kv.Key)).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"))))
        {
            var points = setting.GroupBy(r => Budget(r)!.Value).OrderBy(g => g.Key).Select(g => (X: g.Key, S: Stat.Of(g.Select(r => r.Final(metric))))).Where(p => p.S.N > 0).ToList();
            var label = LabelOf(budgeted, setting.First(), derived);
            curves.Add(new Curve(label, [.. points.Select(p => p.X)], [.. points.Select(p => p.S.Mean)], [.. points.Select(p => p.S.Mean - p.S.Sd)], [.. points.Select(p => p.S.Mean + p.S.Sd)]));
        }
        return Figures.Lines($"{Slug(phase)}-label-efficiency", $"{phase}: {metric} against labelled examples", "labelled training examples", metric, curves,
            $"Label efficiency: final {metric} against {LabelBudget} (mean ± sd over seeds). Runs: {string.Join(", ", budgeted.Select(r => r.Id))}.");
    }

    static string LabelOf(IReadOnlyList<ReportRun> all, ReportRun run, IReadOnlySet<string> leaveOut)
    {
        var keys = all.SelectMany(r => r.Config.Keys).Distinct().Where(k => !leaveOut.Contains(k) && !ReportRun.Incidental.Contains(k))
            .Where(k => all.Select(r => r.Config.GetValueOrDefault(k) ?? "").Distinct().Count() > 1).Order(StringComparer.Ordinal).ToList();
        return keys.Count == 0 ? "all runs" : string.Join(", ", keys.Select(k => $"{k.Split('.')[^1]}={Path.GetFileName((run.Config.GetValueOrDefault(k) ?? "").TrimEnd('/'))}"));
    }

    static IReadOnlyList<ReportTable> Tables(ReportRequest request, IReadOnlyList<ReportRun> runs, IReadOnlyList<(string Phase, IReadOnlyList<RunGroup> Groups)> phases)
    {
        var tables = new List<ReportTable>();
        foreach (var (phase, groups) in phases)
        {
            var metrics = groups.SelectMany(g => g.Runs).SelectMany(r => r.FinalMetrics).Distinct().Order(StringComparer.Ordinal).ToList();
            tables.Add(new ReportTable($"Results: {phase} (mean ± sd over seeds)", ["setting", "n", .. metrics, "runs"],
                groups.Select(g => (string[])[g.Label, g.Runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), .. metrics.Select(m => Numbers.Spread(g.Final(m))), g.Ids]).ToList(),
                IsResults: true));
        }
        var finals = runs.SelectMany(r => r.FinalMetrics).Distinct().Order(StringComparer.Ordinal).ToList();
        tables.Add(new ReportTable("Runs", ["run", "kind", "status", "seed", "steps", "tokens", "wall (s)", .. finals],
            runs.Select(r => (string[])[r.Id, r.Kind, (r.Summary?.Status ?? RunStatus.Running).Text(), r.Seed, Numbers.Sig3(r.Summary?.FinalStep), Numbers.Sig3(r.Summary?.Tokens),
                Numbers.Sig3(r.Summary?.WallSeconds), .. finals.Select(m => Numbers.Sig3(r.Final(m)))]).ToList()));
        var keys = runs.SelectMany(r => r.Config.Keys).Distinct().Where(k => !ReportRun.Incidental.Contains(k) || k == "seed").Order(StringComparer.Ordinal)
            .Where(k => runs.Select(r => r.Config.GetValueOrDefault(k) ?? "").Distinct().Count() > 1).ToList();
        if (runs.Count > 1)
            tables.Add(new ReportTable("Configuration differences", ["key", .. runs.Select(r => r.Id)],
                keys.Count == 0 ? [["(none)", .. runs.Select(_ => "")]] : keys.Select(k => (string[])[k, .. runs.Select(r => r.Config.GetValueOrDefault(k) ?? "(unset)")]).ToList()));
        foreach (var sweep in request.Runs.Where(f => File.Exists(Path.Combine(f, SweepRecord.FileName))))
        {
            var table = SweepTable.Of(sweep);
            tables.Add(new ReportTable($"Sweep {Path.GetFileName(Path.GetFullPath(sweep).TrimEnd('/'))}: chosen on validation {table.Metric}, reported on test",
                ["setting", "seeds", $"val {table.Metric}", $"test {table.Metric}", "best", "runs"],
                table.Rows.Select(r => (string[])[r.Setting, r.Validation.N.ToString(System.Globalization.CultureInfo.InvariantCulture), Numbers.Spread(r.Validation), Numbers.Spread(r.Test), r.Best ? "best" : "", string.Join(" ", r.Runs)]).ToList()));
        }
        return tables;
    }

    static string AxisLabel(Charts.Axis axis) => axis switch { Charts.Axis.Tokens => "training tokens", Charts.Axis.WallTime => "wall time (s)", _ => "optimizer step" };

    static string Slug(string text) => new(text.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
}
