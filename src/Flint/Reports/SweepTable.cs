using System.Text;
using Flint.Tracking;

namespace Flint.Reports;

/// <summary>
/// A sweep's result: one row per setting, mean ± sd over seeds of one metric, the best setting chosen on validation and
/// reported on test (choosing on test would report an optimistic number). Read from the runs' <c>summary.json</c>, so it
/// is the same whether the sweep ran straight through or was killed and resumed.
/// </summary>
/// <param name="Metric">e.g. <c>accuracy</c> (read as <c>val/accuracy</c> and <c>test/accuracy</c>).</param>
/// <param name="HigherIsBetter">False for losses and perplexities.</param>
/// <param name="Rows">One per setting, in the sweep's order.</param>
/// <param name="Missing">Runs without a finished summary (running, failed, not started).</param>
public sealed record SweepTable(string Metric, bool HigherIsBetter, IReadOnlyList<SweepRow> Rows, IReadOnlyList<string> Missing)
{
    /// <summary>The table of the sweep in <paramref name="sweepFolder"/>, by <paramref name="metric"/> (null: the sweep's own).</summary>
    public static SweepTable Of(string sweepFolder, string? metric = null)
    {
        var record = SweepRecord.Read(sweepFolder) ?? throw new InvalidDataException($"{sweepFolder} is not a sweep (it has no {SweepRecord.FileName}).");
        metric ??= record.Metric;
        bool higher = !(metric.Contains("loss", StringComparison.OrdinalIgnoreCase) || metric.Contains("perplexity", StringComparison.OrdinalIgnoreCase));
        var summaries = record.Runs.ToDictionary(r => r.Run, r => Finished(Path.Combine(sweepFolder, r.Run)));
        var rows = record.Runs.GroupBy(r => r.SettingText).Select(g => new SweepRow(g.Key, g.Select(r => r.Run).ToList(),
            Stat.Of(g.Select(r => Value(summaries[r.Run], "val", metric))), Stat.Of(g.Select(r => Value(summaries[r.Run], "test", metric))), false)).ToList();
        var ranked = rows.Where(r => r.Validation.N > 0).OrderBy(r => higher ? -r.Validation.Mean : r.Validation.Mean).FirstOrDefault();
        rows = rows.Select(r => r == ranked ? r with { Best = true } : r).ToList();
        return new SweepTable(metric, higher, rows, summaries.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList());
    }

    /// <summary>A finished run's summary, or null.</summary>
    static RunSummary? Finished(string run) =>
        File.Exists(Path.Combine(run, RunSummary.FileName)) && RunSummary.Read(run) is { Status: RunStatus.Finished } s ? s : null;

    /// <summary>The run's final <c>val/METRIC</c> or <c>test/METRIC</c>.</summary>
    public static double? Value(RunSummary? summary, string split, string metric)
    {
        if (summary is null) return null;
        if (summary.Metrics.TryGetValue($"{split}/{metric}", out var v)) return v;
        return (split, metric) switch
        {
            ("val", "loss") => summary.ValLoss,
            ("val", "accuracy") => summary.ValAccuracy,
            ("test", "accuracy") => summary.TestAccuracy,
            _ => summary.Metrics.TryGetValue(metric, out var plain) && split == "val" ? plain : null,
        };
    }

    /// <summary>The table as Markdown (also what <c>flint sweep</c> prints and writes to <c>table.md</c>).</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"Chosen on validation {Metric} ({(HigherIsBetter ? "higher" : "lower")} is better), reported on test; mean ± sd over seeds.").AppendLine();
        text.AppendLine($"| setting | seeds | val {Metric} | test {Metric} | best | runs |").AppendLine("|---|---|---|---|---|---|");
        foreach (var row in Rows)
            text.AppendLine($"| {row.Setting} | {row.Validation.N} | {Numbers.Spread(row.Validation)} | {Numbers.Spread(row.Test)} | {(row.Best ? "**best**" : "")} | {string.Join(" ", row.Runs)} |");
        if (Missing.Count > 0) text.AppendLine().AppendLine($"Not finished (left out): {string.Join(", ", Missing)}.");
        return text.ToString();
    }
}
