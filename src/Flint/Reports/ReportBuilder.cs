using Flint.Tracking;
using Flint.Logging;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Flint.Reports;

/// <summary>What a report is about: the runs, by folder.</summary>
/// <param name="Title">Heading.</param>
/// <param name="Runs">Run folders.</param>
public sealed record ReportRequest(string Title, IReadOnlyList<string> Runs);

/// <summary>
/// Builds a report of one or more runs the way a paper shows results: loss and metric curves against step, tokens and
/// wall time (train and validation together), the LR schedule, throughput, the configuration differences, a final table
/// with mean ± standard deviation over seeds for runs that share a configuration, and confusion matrices.
/// Self-contained HTML (images inline) or Markdown with PNGs beside it.
/// </summary>
public static class ReportBuilder
{
    static readonly string[] IgnoredInComparison = ["out", "resume", "seed", "trainer.progress", "allow_config_change"];

    sealed record Run(string Folder, string Name, Dictionary<string, string> Config, RunSummary? Summary, Dictionary<string, List<MetricPoint>> Series);

    /// <summary>Writes <paramref name="outputPath"/> (.html, or .md with a PNG folder beside it); returns the image files written (Markdown) or none.</summary>
    public static IReadOnlyList<string> Write(ReportRequest request, string outputPath)
    {
        var runs = request.Runs.Select(Load).ToList();
        bool markdown = outputPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase);
        var images = new List<(string Name, string Caption, byte[] Png)>();
        void Chart(string name, string caption, byte[]? png) { if (png is not null) images.Add((name, caption, png)); }

        var losses = runs.SelectMany(r => new[] { ($"{r.Name}: train", Get(r, "train/loss")), ($"{r.Name}: validation", Get(r, "val/loss")) }).ToList();
        foreach (var axis in new[] { Charts.Axis.Step, Charts.Axis.Tokens, Charts.Axis.WallTime })
            Chart($"loss-{axis.ToString().ToLowerInvariant()}", $"Loss against {Label(axis)}.", Charts.Lines($"Loss vs {Label(axis)}", "loss (nats)", axis, losses));
        Chart("accuracy", "Validation accuracy.", Charts.Lines("Validation accuracy", "accuracy (fraction)", Charts.Axis.Step,
            runs.Select(r => (r.Name, Get(r, "val/accuracy")))));
        Chart("lr", "Learning rate schedule.", Charts.Lines("Learning rate", "learning rate", Charts.Axis.Step, runs.Select(r => (r.Name, Get(r, MetricNames.LearningRate)))));
        Chart("throughput", "Training throughput over time.", Charts.Lines("Throughput", "tokens per second", Charts.Axis.WallTime,
            runs.Select(r => (r.Name, Get(r, MetricNames.TokensPerSecond)))));

        var text = new StringBuilder();
        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var assets = Path.Combine(folder, Path.GetFileNameWithoutExtension(outputPath) + "_files");
        var written = new List<string>();
        if (markdown)
        {
            Directory.CreateDirectory(assets);
            text.AppendLine($"# {request.Title}").AppendLine().AppendLine($"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by Flint {FlintInfo.Version}.").AppendLine();
            AppendTables(text, runs, markdown: true);
            foreach (var (name, caption, png) in images)
            {
                var file = Path.Combine(assets, name + ".png");
                File.WriteAllBytes(file, png);
                written.Add(file);
                text.AppendLine($"![{caption}]({Path.GetFileName(assets)}/{name}.png)").AppendLine().AppendLine($"*{caption}*").AppendLine();
            }
        }
        else
        {
            text.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + WebUtility.HtmlEncode(request.Title) + "</title>");
            text.AppendLine("<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}" +
                "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}" +
                "figure{margin:1.5em 0}figcaption{color:#555;font-size:0.9em}img{max-width:100%}</style></head><body>");
            text.AppendLine($"<h1>{WebUtility.HtmlEncode(request.Title)}</h1><p>Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by Flint {FlintInfo.Version}.</p>");
            AppendTables(text, runs, markdown: false);
            foreach (var (name, caption, png) in images)
                text.AppendLine($"<figure id=\"{name}\"><img alt=\"{WebUtility.HtmlEncode(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption>{WebUtility.HtmlEncode(caption)}</figcaption></figure>");
            text.AppendLine("</body></html>");
        }
        File.WriteAllText(outputPath, text.ToString());
        return written;
    }

    static void AppendTables(StringBuilder text, List<Run> runs, bool markdown)
    {
        Table(text, markdown, "Runs", ["run", "kind", "status", "steps", "tokens", "wall (s)", "tokens/s", "val loss", "val acc", "test acc"],
            runs.Select(r => new[]
            {
                r.Name, r.Config.GetValueOrDefault("kind") ?? "", (r.Summary?.Status ?? RunStatus.Running).Text(), N(r.Summary?.FinalStep), N(r.Summary?.Tokens),
                F(r.Summary?.WallSeconds, "F0"), F(r.Summary?.TokensPerSecond, "N0"), F(r.Summary?.ValLoss, "F4"), P(r.Summary?.ValAccuracy), P(r.Summary?.TestAccuracy),
            }).ToList());

        var keys = runs.SelectMany(r => r.Config.Keys).Distinct().Where(k => !IgnoredInComparison.Contains(k)).Order(StringComparer.Ordinal)
            .Where(k => runs.Select(r => r.Config.GetValueOrDefault(k) ?? "").Distinct().Count() > 1).ToList();
        if (runs.Count > 1)
            Table(text, markdown, "Configuration differences", ["key", .. runs.Select(r => r.Name)],
                keys.Count == 0 ? [["(none)", .. runs.Select(_ => "")]] : keys.Select(k => new[] { k }.Concat(runs.Select(r => r.Config.GetValueOrDefault(k) ?? "(unset)")).ToArray()).ToList());

        // Runs that differ only in seed (and output folder) are repeats: report their spread.
        var groups = runs.GroupBy(r => string.Join(";", r.Config.Where(kv => !IgnoredInComparison.Contains(kv.Key) && kv.Key != "data").OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")))
            .Where(g => g.Count() > 1).ToList();
        if (groups.Count > 0)
            Table(text, markdown, "Across seeds (mean ± standard deviation)", ["runs", "n", "val loss", "val acc", "test acc"],
                groups.Select(g => new[]
                {
                    string.Join(", ", g.Select(r => r.Name)), g.Count().ToString(CultureInfo.InvariantCulture),
                    Spread(g.Select(r => r.Summary?.ValLoss)), Spread(g.Select(r => r.Summary?.ValAccuracy), percent: true), Spread(g.Select(r => r.Summary?.TestAccuracy), percent: true),
                }).ToList());

        foreach (var run in runs.Where(r => File.Exists(Path.Combine(r.Folder, "confusion.json"))))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Folder, "confusion.json")));
            var labels = json.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList();
            var rows = json.RootElement.GetProperty("matrix").EnumerateArray().Select((row, i) => new[] { $"true {labels[i]}" }.Concat(row.EnumerateArray().Select(v => v.GetInt64().ToString(CultureInfo.InvariantCulture))).ToArray()).ToList();
            Table(text, markdown, $"Confusion matrix (test set): {run.Name}", ["", .. labels.Select(l => $"predicted {l}")], rows);
        }
    }

    static void Table(StringBuilder text, bool markdown, string title, IReadOnlyList<string> header, List<string[]> rows)
    {
        if (markdown)
        {
            text.AppendLine($"## {title}").AppendLine();
            text.AppendLine("| " + string.Join(" | ", header) + " |").AppendLine("|" + string.Concat(header.Select(_ => "---|")));
            foreach (var row in rows) text.AppendLine("| " + string.Join(" | ", row) + " |");
            text.AppendLine();
            return;
        }
        text.AppendLine($"<h2>{WebUtility.HtmlEncode(title)}</h2><table><tr>{string.Concat(header.Select(h => $"<th>{WebUtility.HtmlEncode(h)}</th>"))}</tr>");
        foreach (var row in rows) text.AppendLine($"<tr>{string.Concat(row.Select(c => $"<td>{WebUtility.HtmlEncode(c)}</td>"))}</tr>");
        text.AppendLine("</table>");
    }

    static Run Load(string folder)
    {
        var run = RunFolder.Existing(folder);
        return new Run(run.Path, run.Name, run.Config(), File.Exists(run.File(RunSummary.FileName)) ? RunSummary.Read(run.Path) : null, MetricSeries.Read(run.Path));
    }

    static IReadOnlyList<MetricPoint> Get(Run run, string name) => run.Series.TryGetValue(name, out var points) ? points : [];

    static string Label(Charts.Axis axis) => axis switch { Charts.Axis.Tokens => "tokens", Charts.Axis.WallTime => "wall time", _ => "step" };
    static string N(long? v) => v?.ToString("N0", CultureInfo.InvariantCulture) ?? "";
    static string F(double? v, string format) => v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "";
    static string P(double? v) => v is { } x && double.IsFinite(x) ? (x * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "";

    static string Spread(IEnumerable<double?> values, bool percent = false)
    {
        var xs = values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value * (percent ? 100 : 1)).ToList();
        if (xs.Count == 0) return "";
        double mean = xs.Average(), sd = xs.Count > 1 ? Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1)) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{mean:F2} ± {sd:F2}{(percent ? " pts" : "")}");
    }
}
