using System.Collections.Concurrent;
using Flint.Tracking;
using Microsoft.Data.Sqlite;

namespace Flint.Dashboard;

/// <summary>One run as the dashboard's table shows it.</summary>
/// <param name="Id">Path relative to the runs root.</param>
/// <param name="Kind">pretrain, finetune, sweep, …</param>
/// <param name="Status">running, finished, …</param>
/// <param name="Sweep">The id of the sweep it belongs to, if any.</param>
/// <param name="Tags">Tags from the index (read-only).</param>
/// <param name="Config">Resolved settings.</param>
/// <param name="Metrics">Final metrics from summary.json.</param>
/// <param name="Changed">When its metrics last changed (UTC, ISO 8601).</param>
internal sealed record RunRow(string Id, string Kind, string Status, string? Sweep, IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Config, IReadOnlyDictionary<string, double> Metrics, string Changed);

/// <summary>
/// The runs under the root, read from their folders (the dashboard never writes, not even the index) and cached by the
/// files' modification times, so listing a thousand runs every few seconds stays cheap.
/// </summary>
internal sealed class RunCatalog(RunsRoot root)
{
    readonly ConcurrentDictionary<string, (DateTime Config, DateTime Summary, DateTime Metrics, RunRow Row)> _cache = new();

    public IReadOnlyList<RunRow> List()
    {
        var tags = Tags();
        var rows = new List<RunRow>();
        foreach (var config in Directory.EnumerateFiles(root.Real, RunFolder.ConfigFile, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 }))
        {
            var folder = Path.GetDirectoryName(config)!;
            var id = Path.GetRelativePath(root.Real, folder);
            if (id.Split(Path.DirectorySeparatorChar).Any(p => p is "checkpoints" or "data")) continue;
            if (root.Run(id) is null) continue; // reached through a link that leaves the root
            var row = Row(folder, id);
            rows.Add(tags.TryGetValue(id, out var t) ? row with { Tags = t } : row);
        }
        return rows.OrderByDescending(r => r.Changed, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    RunRow Row(string folder, string id)
    {
        static DateTime Stamp(string path) => File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
        var (config, summary, metrics) = (Stamp(Path.Combine(folder, RunFolder.ConfigFile)), Stamp(Path.Combine(folder, RunSummary.FileName)), Stamp(Path.Combine(folder, "metrics.csv")));
        if (_cache.TryGetValue(id, out var hit) && hit.Config == config && hit.Summary == summary && hit.Metrics == metrics) return hit.Row;
        var run = RunFolder.Existing(folder);
        RunSummary? s = null;
        try { s = summary == DateTime.MinValue ? null : RunSummary.Read(folder); }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException) { } // being written
        var values = new Dictionary<string, double>();
        void Add(string key, double? v) { if (v is { } x && double.IsFinite(x)) values[key] = x; }
        if (s is not null)
        {
            foreach (var (k, v) in s.Metrics) Add(k, v);
            Add("val/loss", s.ValLoss); Add("val/accuracy", s.ValAccuracy); Add("test/accuracy", s.TestAccuracy);
            Add("final_step", s.FinalStep); Add("tokens_per_s", s.TokensPerSecond); Add("wall_s", s.WallSeconds);
        }
        var parent = Path.GetDirectoryName(id);
        var sweep = !string.IsNullOrEmpty(parent) && File.Exists(Path.Combine(root.Real, parent, SweepRecord.FileName)) ? parent : null;
        var cfg = run.Config();
        var row = new RunRow(id, cfg.GetValueOrDefault("kind") ?? "", (s?.Status ?? RunStatus.Running).Text(), sweep, [], cfg, values,
            (metrics > config ? metrics : config).ToString("O"));
        _cache[id] = (config, summary, metrics, row);
        return row;
    }

    /// <summary>Tags from the index, opened read-only; none when there is no index or it cannot be read.</summary>
    Dictionary<string, IReadOnlyList<string>> Tags()
    {
        var tags = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (root.File(RunStore.FileName) is not { } db) return tags;
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, tags FROM runs WHERE tags <> ''";
            using var reader = command.ExecuteReader();
            while (reader.Read()) tags[reader.GetString(0)] = reader.GetString(1).Split(',', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (SqliteException) { } // busy or from another version: tags are a nicety here
        return tags;
    }
}
