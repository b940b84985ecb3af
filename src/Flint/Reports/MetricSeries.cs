using System.Globalization;

namespace Flint.Reports;

/// <summary>One point of a logged metric with every axis.</summary>
public readonly record struct MetricPoint(long Step, long Tokens, double WallSeconds, double Value);

/// <summary>A run's metrics.csv, read back as series by name.</summary>
public static class MetricSeries
{
    /// <summary>Reads <c>metrics.csv</c> of <paramref name="runFolder"/>: name → points in file order (empty when the file is missing).</summary>
    public static Dictionary<string, List<MetricPoint>> Read(string runFolder)
    {
        var series = new Dictionary<string, List<MetricPoint>>(StringComparer.Ordinal);
        var path = Path.Combine(runFolder, "metrics.csv");
        if (!File.Exists(path)) return series;
        int line = 0;
        foreach (var row in File.ReadLines(path))
        {
            if (line++ == 0 || row.Length == 0) continue;
            var parts = row.Split(',');
            if (parts.Length < 7) continue; // a line cut by a crash mid-write
            var name = parts.Length == 7 ? parts[5] : string.Join(',', parts[5..^1]).Trim('"');
            if (!double.TryParse(parts[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            var point = new MetricPoint(long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture),
                double.Parse(parts[4], CultureInfo.InvariantCulture), value);
            if (!series.TryGetValue(name, out var list)) series[name] = list = [];
            list.Add(point);
        }
        return series;
    }
}
