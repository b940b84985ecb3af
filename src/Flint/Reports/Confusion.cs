using System.Text.Json;

namespace Flint.Reports;

/// <summary>A run's test confusion matrix (<c>confusion.json</c>: labels, then counts with the true label down).</summary>
/// <param name="Labels">Class labels.</param>
/// <param name="Counts">counts[true, predicted].</param>
internal sealed record Confusion(IReadOnlyList<string> Labels, long[,] Counts)
{
    public const string FileName = "confusion.json";

    /// <summary>The matrices of <paramref name="runs"/> added up (seeds of one setting), or null when none has one or their labels differ.</summary>
    public static Confusion? Sum(IEnumerable<string> runs)
    {
        Confusion? total = null;
        foreach (var run in runs)
        {
            var path = Path.Combine(run, FileName);
            if (!File.Exists(path)) continue;
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var labels = json.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString() ?? "").ToList();
            var rows = json.RootElement.GetProperty("matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToList()).ToList();
            total ??= new Confusion(labels, new long[labels.Count, labels.Count]);
            if (!total.Labels.SequenceEqual(labels)) return null;
            for (int t = 0; t < rows.Count && t < labels.Count; t++)
                for (int p = 0; p < rows[t].Count && p < labels.Count; p++) total.Counts[t, p] += rows[t][p];
        }
        return total;
    }
}
