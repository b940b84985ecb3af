using System.Globalization;
using System.Text;
using Flint.Tracking;

namespace Flint.Tests.Reports;

/// <summary>Run folders written by hand (config.yaml, metrics.csv, summary.json, confusion.json), as fast as a test needs them.</summary>
internal static class FakeRuns
{
    /// <summary>A run whose loss falls from <paramref name="start"/> over <paramref name="steps"/> steps; <paramref name="settings"/> are dotted keys.</summary>
    public static string Make(string root, string name, string kind, long seed, double start, double? testAccuracy = null, int steps = 40,
        IReadOnlyDictionary<string, string>? settings = null, IReadOnlyList<string>? extraMetrics = null)
    {
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        var yaml = new StringBuilder($"kind: {kind}\nseed: {seed}\n");
        foreach (var section in (settings ?? new Dictionary<string, string>()).GroupBy(kv => kv.Key.Split('.')[0]))
        {
            yaml.AppendLine($"{section.Key}:");
            foreach (var (key, value) in section) yaml.AppendLine($"  {key[(key.IndexOf('.') + 1)..]}: {value}");
        }
        File.WriteAllText(Path.Combine(folder, "config.yaml"), yaml.ToString());
        var random = new Random((int)seed * 31 + name.Length);
        var csv = new StringBuilder("step,epoch,tokens,samples,wall_s,name,value\n");
        string Row(int step, string metric, double value) => string.Create(CultureInfo.InvariantCulture, $"{step},0,{step * 512},{step * 8},{step * 0.05:F3},{metric},{value:R}\n");
        for (int step = 1; step <= steps; step++)
        {
            csv.Append(Row(step, "train/loss", start * Math.Exp(-step / 30.0) + random.NextDouble() * 0.1));
            csv.Append(Row(step, "lr", 1e-3 * Math.Min(1, step / 5.0)));
            csv.Append(Row(step, "grad_norm", 1 + random.NextDouble()));
            foreach (var metric in extraMetrics ?? []) csv.Append(Row(step, metric, 0.5 + step / (2.0 * steps)));
            if (step % 10 == 0) csv.Append(Row(step, "val/loss", start * Math.Exp(-step / 30.0) + 0.05));
            if (step % 10 == 0 && testAccuracy is { } acc) csv.Append(Row(step, "val/accuracy", acc - 0.01 + random.NextDouble() * 0.02));
        }
        File.WriteAllText(Path.Combine(folder, "metrics.csv"), csv.ToString());
        var metrics = new Dictionary<string, double> { ["val/loss"] = start * Math.Exp(-steps / 30.0) + 0.05 };
        if (testAccuracy is { } a)
        {
            metrics["val/accuracy"] = a - 0.005;
            metrics["test/accuracy"] = a;
            File.WriteAllText(Path.Combine(folder, "confusion.json"), $"{{\"labels\":[\"neg\",\"pos\"],\"matrix\":[[{(int)(50 * a)},{50 - (int)(50 * a)}],[{50 - (int)(50 * a)},{(int)(50 * a)}]]}}");
        }
        new RunSummary
        {
            Name = name, Kind = kind, Status = RunStatus.Finished, FinalStep = steps, Tokens = steps * 512, WallSeconds = steps * 0.05, ValLoss = metrics["val/loss"],
            ValAccuracy = testAccuracy - 0.005, TestAccuracy = testAccuracy, Metrics = metrics, Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow,
        }.Write(folder);
        return folder;
    }
}
