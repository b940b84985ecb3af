using Flint.Tracking;

namespace Flint.Reports;

/// <summary>A run as a report reads it: its id (folder name, with the demo or sweep folder it sits in), config, summary and curves.</summary>
internal sealed record ReportRun(string Id, string Folder, string Kind, IReadOnlyDictionary<string, string> Config, RunSummary? Summary,
    IReadOnlyDictionary<string, List<MetricPoint>> Series)
{
    /// <summary>Settings that never make two runs different experiments.</summary>
    public static readonly HashSet<string> Incidental = ["out", "resume", "seed", "trainer.progress", "allow_config_change", "threads", "device", "kind"];

    public string Seed => Config.GetValueOrDefault("seed") ?? "";

    /// <summary>Everything that makes the experiment: runs with the same key differ only by seed.</summary>
    public string Setting => string.Join(";", Config.Where(kv => !Incidental.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>The final value of <paramref name="metric"/>: from summary.json, else the last logged point.</summary>
    public double? Final(string metric)
    {
        if (Summary?.Metrics.TryGetValue(metric, out var v) == true && double.IsFinite(v)) return v;
        var fromSummary = metric switch { "val/loss" => Summary?.ValLoss, "val/accuracy" => Summary?.ValAccuracy, "test/accuracy" => Summary?.TestAccuracy, _ => null };
        if (fromSummary is { } s && double.IsFinite(s)) return s;
        return Series.TryGetValue(metric, out var points) && points.Count > 0 ? points[^1].Value : null;
    }

    /// <summary>The metrics it reports at the end (summary or last point): every val/ and test/ metric.</summary>
    public IEnumerable<string> FinalMetrics =>
        (Summary?.Metrics.Keys ?? Enumerable.Empty<string>()).Concat(Series.Keys).Where(k => k.StartsWith("val/", StringComparison.Ordinal) || k.StartsWith("test/", StringComparison.Ordinal)).Distinct();

    /// <summary>Loads <paramref name="folder"/>; its id names the demo or sweep folder around it.</summary>
    public static ReportRun Load(string folder)
    {
        var run = RunFolder.Existing(folder);
        // The id starts at the outermost demo or sweep folder around the run (up to three levels up): demo-…/scratch/all-seed0.
        var id = run.Name;
        var ancestor = Directory.GetParent(run.Path);
        for (int up = 0; up < 3 && ancestor?.Parent is not null; up++, ancestor = ancestor.Parent)
            if (File.Exists(Path.Combine(ancestor.FullName, RunFolder.ConfigFile))) id = Path.GetRelativePath(ancestor.Parent.FullName, run.Path);
        var summary = File.Exists(run.File(RunSummary.FileName)) ? RunSummary.Read(run.Path) : null;
        var config = run.Config();
        return new ReportRun(id, run.Path, config.GetValueOrDefault("kind") ?? summary?.Kind ?? "run", config, summary, MetricSeries.Read(run.Path));
    }

    /// <summary>The runs a folder stands for: a demo or sweep folder's runs, or the run itself.</summary>
    public static IEnumerable<string> Expand(string folder)
    {
        var run = RunFolder.Existing(folder);
        if (run.Kind is not (RunKind.Demo or RunKind.Sweep)) return [run.Path];
        if (SweepRecord.Read(run.Path) is { } sweep) return sweep.Runs.Select(r => Path.Combine(run.Path, r.Run)).Where(Directory.Exists);
        // A demo's runs may sit in folders per arm, and a fine-tuning run may hold a run of its own (target-domain adaptation).
        return Directory.EnumerateFiles(run.Path, RunFolder.ConfigFile, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 })
            .Select(Path.GetDirectoryName).OfType<string>().Where(d => d != run.Path)
            .Where(d => !Path.GetRelativePath(run.Path, d).Split(Path.DirectorySeparatorChar).Any(p => p is "checkpoints" or "data")).Order(StringComparer.Ordinal);
    }
}
