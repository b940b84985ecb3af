using System.Globalization;
using System.Text.Json;
using Flint.Metrics;
using Flint.Workflow.Specs;
using ScottPlot;

namespace Flint.Workflow;

/// <summary>What the demo leaves behind: <c>demo.json</c>, the label-efficiency curve (PNG and SVG) and the report.</summary>
public static class DemoOutputs
{
    /// <summary>Writes every output of <paramref name="result"/> into its folder.</summary>
    public static void Write(DemoSpec spec, DemoResult result)
    {
        WriteJson(spec, result);
        LabelEfficiency(result, Path.Combine(result.Folder, "label-efficiency"));
        // Every run: the pretraining and adaptation runs, and each neural arm's runs over seeds and budgets (seeds become bands and ± sd).
        var runs = result.Pretraining.Keys.Select(k => Path.Combine(result.Folder, k))
            .Concat(result.Arms.Where(a => a.Kind != DemoArmKind.BagOfWords).SelectMany(a => a.Trials.Select(t => t.Run))).ToList();
        Reports.ReportBuilder.Write(new Reports.ReportRequest("Flint demo: does pretraining pay off on rt-polarity?", runs), Path.Combine(result.Folder, "report.html"));
    }

    /// <summary>The headline numbers (fractions), as kept in the demo's summary.json.</summary>
    public static Dictionary<string, double> Headline(DemoResult result)
    {
        var headline = new Dictionary<string, double>();
        if (result.Margin(null) is { } margin) headline["margin"] = margin.Mean;
        if (result.Margin(1000) is { } margin1000) headline["margin_1000"] = margin1000.Mean;
        if (result.BestFlint is { } best) headline["best_test_accuracy"] = best.Test.Mean;
        if (result.Arm("bag-of-words", null) is { } baseline) headline["baseline_test_accuracy"] = baseline.Test.Mean;
        if (result.Ceiling is { } ceiling) headline["ceiling_test_accuracy"] = ceiling.Test.Mean;
        return headline;
    }

    /// <summary>The result in a few sentences, each number with its spread.</summary>
    public static IEnumerable<string> Story(DemoResult result)
    {
        var best = result.BestPretrained(null);
        if (result.Margin(null) is { } margin && best is not null)
            yield return $"Pretraining pays off by {margin.Points(signed: true)} points of test accuracy with all labels ({best.Name} − scratch, paired by seed; {best.Name} chosen on validation).";
        if (result.Margin(1000) is { } m1000 && result.BestPretrained(1000) is { } best1000)
            yield return $"With 1,000 labels: {m1000.Points(signed: true)} points ({best1000.Name} − scratch).";
        if (result.Arm("bag-of-words", null) is { } baseline && result.BestFlint is { } flint)
            yield return $"Best Flint arm ({flint.Name}) {flint.Test.Points()} % vs the bag-of-words floor {baseline.Test.Points()} %.";
        if (result.Ceiling is { } ceiling)
            yield return $"Ceiling: the published encoder ({ceiling.Name}, fine-tuned one epoch) {ceiling.Test.Points()} %.";
        yield return $"Everything is in {result.Folder}: demo.json, label-efficiency.png/.svg, report.html, and one folder per run.";
    }

    static void WriteJson(DemoSpec spec, DemoResult result)
    {
        object? SpreadJson(Spread? s) => s is null ? null : new { mean = s.Mean, sd = Finite(s.Sd), ci95 = new[] { Finite(s.Low), Finite(s.High) }, n = s.Count };
        var baseline = result.Arm("bag-of-words", null);
        var json = new
        {
            arms = result.Arms.Select(a => new
            {
                name = a.Name, kind = a.Kind.ToString().ToLowerInvariant(), budget = a.Budget, examples = a.Examples,
                seeds = a.Trials.Select(t => t.Seed), test_accuracies = a.Trials.Select(t => t.TestAccuracy), val_accuracies = a.Trials.Select(t => t.ValAccuracy),
                test = SpreadJson(a.Test), runs = a.Trials.Select(t => t.Run),
            }),
            margin = result.Margin(null)?.Mean, margin_spread = SpreadJson(result.Margin(null)), margin_arm = result.BestPretrained(null)?.Name,
            margin_1000 = result.Margin(1000)?.Mean, margin_1000_spread = SpreadJson(result.Margin(1000)),
            baseline = baseline is null ? null : new { test_accuracy = baseline.Test.Mean, val_accuracy = baseline.Validation.Mean, test = SpreadJson(baseline.Test) },
            best_test_accuracy = result.BestFlint?.Test.Mean, best_arm = result.BestFlint?.Name,
            ceiling = result.Ceiling is { } c ? new { arm = c.Name, folder = spec.Ceiling, test_accuracy = c.Test.Mean, val_accuracy = c.Validation.Mean, test = SpreadJson(c.Test), epochs = 1, lr = DemoPlan.CeilingLr } : null,
            seeds = result.Seeds,
            pretraining = result.Pretraining.ToDictionary(p => p.Key, p => new { run = Path.Combine(result.Folder, p.Key), val_loss = p.Value.ValLoss, steps = p.Value.FinalStep, tokens = p.Value.Tokens, wall_s = p.Value.WallSeconds }),
            minutes = spec.Minutes, adapt_minutes = spec.AdaptMinutes, steps = spec.Steps, adapt_steps = spec.AdaptSteps, preset = spec.Preset, finetune_lr = DemoPlan.FinetuneLr, epochs = spec.Epochs,
            split_seed = spec.Seed.ToString(CultureInfo.InvariantCulture), flint_version = FlintInfo.Version,
        };
        File.WriteAllText(Path.Combine(result.Folder, "demo.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    }

    static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Test accuracy against labelled examples (log scale), one line per arm, error bars of one sd over seeds.</summary>
    static void LabelEfficiency(DemoResult result, string pathWithoutExtension)
    {
        if (result.Arms.Select(a => a.Budget).Distinct().Count() < 2) return;
        var plot = new Plot();
        foreach (var group in result.Arms.GroupBy(a => a.Name))
        {
            var points = group.OrderBy(a => a.Examples).ToList();
            var xs = points.Select(a => Math.Log10(a.Examples)).ToArray();
            var ys = points.Select(a => 100 * a.Test.Mean).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = group.Key;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            if (group.Key == "bag-of-words") line.MarkerShape = MarkerShape.OpenSquare; // not a dashed line: the SVG writer cannot draw dashes
            var bars = plot.Add.ErrorBar(xs, ys, points.Select(a => double.IsFinite(a.Test.Sd) ? 100 * a.Test.Sd : 0).ToArray());
            bars.Color = line.Color;
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var n in result.Arms.Select(a => a.Examples).Distinct().Order()) ticks.AddMajor(Math.Log10(n), n.ToString("N0", CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Title($"Label efficiency on rt-polarity (mean ± sd over {result.Seeds.Count} seeds)", size: 18);
        plot.XLabel("labelled training examples (log scale)", size: 15);
        plot.YLabel("test accuracy (%)", size: 15);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(pathWithoutExtension + ".png", 960, 520);
        plot.SaveSvg(pathWithoutExtension + ".svg", 960, 520);
    }
}
