using Flint.Tracking;

namespace Flint.Reports;

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
