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
        var parent = Directory.GetParent(run.Path)!;
        var id = File.Exists(Path.Combine(parent.FullName, RunFolder.ConfigFile)) ? $"{parent.Name}/{run.Name}" : run.Name;
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
        return Directory.GetDirectories(run.Path).Where(d => File.Exists(Path.Combine(d, RunFolder.ConfigFile))).Order(StringComparer.Ordinal);
    }
}

/// <summary>Runs of one phase that differ only by seed: drawn as a mean line with a band, reported as mean ± sd.</summary>
/// <param name="Label">What sets it apart from the other groups (the differing settings), or the run's id.</param>
/// <param name="Runs">Its runs.</param>
internal sealed record RunGroup(string Label, IReadOnlyList<ReportRun> Runs)
{
    public string Ids => string.Join(", ", Runs.Select(r => r.Id));

    public Stat Final(string metric) => Stat.Of(Runs.Select(r => r.Final(metric)));

    /// <summary>Groups <paramref name="runs"/> (of one phase) by setting; labels name the settings that differ between groups.</summary>
    public static IReadOnlyList<RunGroup> Of(IReadOnlyList<ReportRun> runs)
    {
        var groups = runs.GroupBy(r => r.Setting).Select(g => g.ToList()).ToList();
        var keys = runs.SelectMany(r => r.Config.Keys).Distinct().Where(k => !ReportRun.Incidental.Contains(k))
            .Where(k => groups.Select(g => g[0].Config.GetValueOrDefault(k) ?? "").Distinct().Count() > 1).Order(StringComparer.Ordinal).ToList();
        // Unset values are left out of a label: "from=scratch, architecture_of=pretrain" against "from=pretrain".
        string Label(List<ReportRun> g) => string.Join(", ", keys.Select(k => (Key: k.Split('.')[^1], Value: g[0].Config.GetValueOrDefault(k) ?? ""))
            .Where(kv => kv.Value.Length > 0).Select(kv => $"{kv.Key}={Short(kv.Value)}")) is { Length: > 0 } label ? label : "(defaults)";
        return groups.Select(g => new RunGroup(keys.Count == 0 ? (g.Count == 1 ? g[0].Id : $"{g.Count} seeds") : Label(g), g)).ToList();
    }

    /// <summary>A path's last part (<c>/runs/demo/pretrain</c> → <c>pretrain</c>); other values as they are.</summary>
    static string Short(string value) => value.Contains('/', StringComparison.Ordinal) ? Path.GetFileName(value.TrimEnd('/')) : value;
}
