namespace Flint.Reports;

/// <summary>
/// The report's first lines: what was compared, each setting's result as mean ± sd over its seeds, and the best setting's
/// difference from each other one with the 95 % interval of the paired differences when they share seeds. Every number
/// names the runs it came from.
/// </summary>
internal static class Headline
{
    /// <summary>The metric a phase is judged by: test accuracy, else validation accuracy, validation loss, training loss.</summary>
    public static string? PrimaryMetric(IReadOnlyList<ReportRun> runs) =>
        new[] { "test/accuracy", "val/accuracy", "val/loss", "train/loss" }.FirstOrDefault(m => runs.Any(r => r.Final(m) is not null));

    public static bool LowerIsBetter(string metric) => metric.Contains("loss", StringComparison.Ordinal) || metric.Contains("perplexity", StringComparison.Ordinal);

    public static IReadOnlyList<string> Of(IReadOnlyList<ReportRun> runs, IReadOnlyList<(string Phase, IReadOnlyList<RunGroup> Groups)> phases)
    {
        var lines = new List<string>
        {
            $"Compared {runs.Count} run(s): {string.Join(", ", phases.Select(p => $"{p.Groups.Sum(g => g.Runs.Count)} {p.Phase}" + (p.Groups.Count > 1 ? $" in {p.Groups.Count} settings" : "")))}.",
        };
        foreach (var (phase, groups) in phases)
        {
            var all = groups.SelectMany(g => g.Runs).ToList();
            if (PrimaryMetric(all) is not { } metric) continue;
            bool lower = LowerIsBetter(metric);
            var ranked = groups.Where(g => g.Final(metric).N > 0).OrderBy(g => lower ? g.Final(metric).Mean : -g.Final(metric).Mean).ToList();
            foreach (var g in ranked.Take(8))
            {
                var stat = g.Final(metric);
                var spread = stat.N > 1 ? $" (mean ± sd over {stat.N} seeds)" : "";
                var missing = stat.N < g.Runs.Count ? $" ({g.Runs.Count - stat.N} of its {g.Runs.Count} runs have no {metric} yet)" : "";
                lines.Add($"{phase} {metric}, {g.Label}: {Numbers.Spread(stat)}{spread}{missing} [{g.Ids}]");
            }
            if (ranked.Count > 8) lines.Add($"… and {ranked.Count - 8} more settings (see the table below).");
            foreach (var other in ranked.Skip(1).Take(4)) lines.Add(Difference(phase, metric, ranked[0], other));
        }
        return lines;
    }

    /// <summary>The best group minus another: paired over the seeds they share (a 95 % interval from two on), else the difference of means.</summary>
    static string Difference(string phase, string metric, RunGroup best, RunGroup other)
    {
        var a = best.Runs.Where(r => r.Final(metric) is not null).GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First().Final(metric)!.Value);
        var b = other.Runs.Where(r => r.Final(metric) is not null).GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First().Final(metric)!.Value);
        var shared = a.Keys.Intersect(b.Keys).Order(StringComparer.Ordinal).ToList();
        var head = $"{phase} {metric}: {best.Label} − {other.Label} = ";
        if (shared.Count == 0)
            return head + $"{Signed(best.Final(metric).Mean - other.Final(metric).Mean)} (difference of means; no shared seeds, so not paired)";
        var d = Stat.Of(shared.Select(s => (double?)(a[s] - b[s])));
        if (d.Interval95 is not { } ci)
            return head + $"{Signed(d.Mean)} on seed {shared[0]} (one shared seed: no interval; run more seeds for one)";
        return head + $"{Signed(d.Mean)}, 95 % interval {Signed(ci.Low)} to {Signed(ci.High)} (paired over seeds {string.Join(", ", shared)}" +
            $"{(ci.Low > 0 || ci.High < 0 ? "; the interval excludes 0" : "; the interval includes 0: not a clear difference")})";
    }

    static string Signed(double x) => (x > 0 ? "+" : "") + Numbers.Sig3(x);
}
