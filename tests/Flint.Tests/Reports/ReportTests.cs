using System.Diagnostics;
using System.Text.RegularExpressions;
using Flint.Reports;

namespace Flint.Tests.Reports;

public sealed class ReportTests
{
    /// <summary>A demo-like experiment: pretraining, then fine-tuning from it and from scratch, each over three seeds.</summary>
    static List<string> Experiment(string root)
    {
        var runs = new List<string> { FakeRuns.Make(root, "pretrain", "pretrain", 0, 5.4, settings: new Dictionary<string, string> { ["data.path"] = "corpus" }) };
        foreach (var seed in new long[] { 0, 1, 2 })
        {
            runs.Add(FakeRuns.Make(root, $"ft-pre-{seed}", "finetune", seed, 0.7, 0.72 + seed * 0.01, settings: new Dictionary<string, string> { ["from"] = "/x/pretrain", ["data.path"] = "rt" }));
            runs.Add(FakeRuns.Make(root, $"ft-scratch-{seed}", "finetune", seed, 0.7, 0.65 + seed * 0.012, settings: new Dictionary<string, string> { ["from"] = "scratch", ["data.path"] = "rt" }));
        }
        return runs;
    }

    [Fact]
    public void The_headline_states_each_setting_as_mean_and_sd_and_the_paired_95_percent_interval_with_the_runs_behind_it()
    {
        using var folder = TestPaths.NewTempFolder();
        var html = folder.File("report.html");
        var pngs = ReportBuilder.Write(new ReportRequest("Demo", Experiment(folder.Path)), html);
        var text = System.Net.WebUtility.HtmlDecode(File.ReadAllText(html));
        var headline = Regex.Match(text, "<section id=\"headline\".*?</section>", RegexOptions.Singleline).Value;
        // Pretrained: 0.72, 0.73, 0.74; scratch: 0.65, 0.662, 0.674 → paired differences 0.07, 0.068, 0.066: mean 0.068, sd 0.002, t(2) = 4.303.
        Assert.Contains("finetune test/accuracy, from=pretrain: 0.730 ± 0.0100 (mean ± sd over 3 seeds) [ft-pre-0, ft-pre-1, ft-pre-2]", headline);
        Assert.Contains("finetune test/accuracy: from=pretrain − from=scratch = +0.0680, 95 % interval +0.0630 to +0.0730 (paired over seeds 0, 1, 2; the interval excludes 0)", headline);
        Assert.Contains("pretrain val/loss", headline);
        Assert.DoesNotContain("00000", headline); // three significant digits, no float noise

        // One panel per phase: no chart draws pretraining and fine-tuning runs together.
        var captions = Regex.Matches(text, "<figcaption>(.*?)</figcaption>").Select(m => m.Groups[1].Value).ToList();
        Assert.All(captions.Where(c => c.Contains("Runs:", StringComparison.Ordinal)), c => Assert.False(Regex.IsMatch(c, @"Runs:.*\bpretrain\b") && c.Contains("ft-", StringComparison.Ordinal), c));
        Assert.Contains(captions, c => c.StartsWith("pretrain: loss", StringComparison.Ordinal) && c.Contains("Metric keys: train/loss, val/loss", StringComparison.Ordinal));
        Assert.Contains(captions, c => c.StartsWith("finetune: loss", StringComparison.Ordinal) && c.Contains("Bands: ± sd over seeds", StringComparison.Ordinal));
        Assert.Contains(captions, c => c.Contains("Metric keys: grad_norm", StringComparison.Ordinal)); // every logged metric, not a fixed list
        Assert.Contains(captions, c => c.StartsWith("Final test/accuracy per setting", StringComparison.Ordinal));
        Assert.Contains(captions, c => c.StartsWith("Confusion matrix on the test set, from=scratch, summed over seeds", StringComparison.Ordinal));
        Assert.Equal(captions.Count, Regex.Matches(text, "<figure id=\"[^\"]+\" class=\"panel\"><svg").Count); // each chart inline as SVG
        Assert.Equal(captions.Count, pngs.Count); // and as a PNG beside the report
        Assert.All(pngs, p => Assert.True(new FileInfo(p).Length > 5000, p));
        Assert.Contains("<td>from=scratch</td><td>3</td>", text); // results table: setting, seeds, …, runs
        Assert.Contains("<td>ft-scratch-0, ft-scratch-1, ft-scratch-2</td>", text);
    }

    [Fact]
    public void A_new_objectives_metrics_and_a_users_chart_appear_under_their_exact_keys()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = FakeRuns.Make(folder.Path, "joint", "pretrain", 0, 4, extraMetrics: ["train/detect_acc", "train/lm_loss"]);
        var md = folder.File("r.md");
        ReportBuilder.Write(new ReportRequest("Joint", [run]) { Extra = [new ReportChart("Detection vs LM", ["train/detect_acc", "train/lm_loss"])] }, md);
        var text = File.ReadAllText(md);
        Assert.Contains("Metric keys: train/detect_acc", text);
        Assert.Contains("Metric keys: train/lm_loss, train/loss, val/loss", text); // losses of every split share the loss panel
        Assert.Contains("Detection vs LM (added chart). Metric keys: train/detect_acc, train/lm_loss. Runs: joint.", text);
        Assert.Matches(@"!\[[^\]]*\]\(r_files/[a-z0-9-]+\.png\)", text);
    }

    [Fact]
    public void Label_budgets_give_a_label_efficiency_curve_and_latex_writes_the_results_table()
    {
        using var folder = TestPaths.NewTempFolder();
        var runs = new[] { 50, 200, 800 }.SelectMany(n => new long[] { 0, 1 }.Select(seed => FakeRuns.Make(folder.Path, $"ft-{n}-{seed}", "finetune", seed, 0.7, 0.6 + n / 4000.0,
            settings: new Dictionary<string, string> { ["data.train_examples"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) }))).ToList();
        var html = folder.File("r.html");
        ReportBuilder.Write(new ReportRequest("Budgets", runs), html);
        Assert.Contains("Label efficiency: final test/accuracy against data.train_examples", File.ReadAllText(html));

        var tex = folder.File("r.tex");
        ReportBuilder.Write(new ReportRequest("Budgets", runs), tex);
        var latex = File.ReadAllText(tex);
        Assert.Contains("\\begin{tabular}", latex);
        Assert.Contains("train\\_examples=800 & 2 &", latex);
        Assert.Contains("$\\pm$", latex);
    }

    [Fact]
    public void A_report_of_30_runs_completes_quickly_and_runs_with_no_common_metric_are_refused_naming_the_argument()
    {
        using var folder = TestPaths.NewTempFolder();
        var runs = Enumerable.Range(0, 30).Select(i => FakeRuns.Make(folder.Path, $"r{i:00}", "finetune", i % 3, 0.7, 0.7 + i / 300.0, steps: 200,
            settings: new Dictionary<string, string> { ["optimizer.lr"] = $"{(i / 3) + 1}e-4" })).ToList();
        var watch = Stopwatch.StartNew();
        ReportBuilder.Write(new ReportRequest("Thirty", runs), folder.File("r.html"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"30 runs took {watch.Elapsed.TotalSeconds:F1} s"); // a few seconds on a quiet machine; generous for a busy one
        Assert.Contains("30 finetune in 10 settings", File.ReadAllText(folder.File("r.html")));

        var lonely = Path.Combine(folder.Path, "lonely");
        Directory.CreateDirectory(lonely);
        File.WriteAllText(Path.Combine(lonely, "config.yaml"), "kind: pretrain\n");
        File.WriteAllText(Path.Combine(lonely, "metrics.csv"), "step,epoch,tokens,samples,wall_s,name,value\n1,0,1,1,0.1,other/metric,1\n");
        var error = Assert.Throws<ArgumentException>(() => ReportBuilder.Write(new ReportRequest("None", [runs[0], lonely]), folder.File("n.html")));
        Assert.StartsWith("<runs>: r00, lonely share no logged metric", error.Message);
    }
}

public sealed class ReportCommandTests
{
    [Theory]
    [InlineData("--format pdf", "--format pdf: expected html, md or latex.")]
    [InlineData("--x epochs", "--x epochs: expected step, tokens or time.")]
    [InlineData("--smoothing 1.5", "--smoothing 1.5: expected 0 (raw) up to below 1.")]
    [InlineData("--chart train/loss", "--chart train/loss: expected TITLE=key1,key2")]
    public void Bad_report_options_are_refused_naming_the_flag(string flags, string expected)
    {
        using var folder = TestPaths.NewTempFolder();
        var run = FakeRuns.Make(folder.Path, "r", "pretrain", 0, 4);
        var (exit, output, error) = Flint.Tests.Cli.CliRunner.Run(["report", run, "--out", folder.File("r.html"), .. flags.Split(' ')]);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, output + error);
        Assert.False(File.Exists(folder.File("r.html")));
    }

    [Fact]
    public void A_report_of_a_sweep_folder_holds_its_table_and_markdown_goes_beside_its_pngs()
    {
        using var folder = TestPaths.NewTempFolder();
        var sweep = Directory.CreateDirectory(folder.File("sweep")).FullName;
        File.WriteAllText(Path.Combine(sweep, "config.yaml"), "kind: sweep\n");
        var runs = new List<Flint.Tracking.SweepRunRecord>();
        foreach (var lr in new[] { "1e-3", "3e-3" })
            foreach (var seed in new long[] { 0, 1 })
            {
                FakeRuns.Make(sweep, $"lr={lr}_seed={seed}", "finetune", seed, 0.7, lr == "1e-3" ? 0.7 + seed * 0.01 : 0.8 + seed * 0.01, settings: new Dictionary<string, string> { ["optimizer.lr"] = lr });
                runs.Add(new Flint.Tracking.SweepRunRecord($"lr={lr}_seed={seed}", [KeyValuePair.Create("optimizer.lr", lr)], seed));
            }
        new Flint.Tracking.SweepRecord("finetune", [], [KeyValuePair.Create("optimizer.lr", (IReadOnlyList<string>)["1e-3", "3e-3"])], [0, 1], null, "accuracy", runs).Write(sweep);
        var (exit, output, _) = Flint.Tests.Cli.CliRunner.Run("report", sweep, "--format", "md", "--out", folder.File("r.md"));
        Assert.True(exit == 0, output);
        var md = File.ReadAllText(folder.File("r.md"));
        Assert.True(md.Contains("| optimizer.lr=3e-3 | 2 | 0.800 ± 0.00707 | 0.805 ± 0.00707 | best | lr=3e-3_seed=0 lr=3e-3_seed=1 |", StringComparison.Ordinal), md);
        Assert.Contains("finetune test/accuracy: lr=3e-3 − lr=1e-3 = +0.100", md);
        Assert.True(Directory.GetFiles(folder.File("r_files"), "*.png").Length >= 3);
    }
}

public sealed class NumbersTests
{
    [Theory]
    [InlineData(2.8000000000000003, "2.80")]
    [InlineData(0.73149, "0.731")]
    [InlineData(0.000123456, "0.000123")]
    [InlineData(12345.6, "12,300")]
    [InlineData(40.0, "40")]
    [InlineData(-0.0646123, "-0.0646")]
    [InlineData(1.5e-9, "1.50e-9")]
    public void Numbers_are_shown_to_three_significant_digits_without_float_noise(double value, string shown) => Assert.Equal(shown, Numbers.Sig3(value));

    [Fact]
    public void The_95_percent_interval_of_three_values_uses_students_t()
    {
        var stat = Stat.Of([0.07, 0.068, 0.066]);
        var (low, high) = stat.Interval95!.Value;
        Assert.Equal(0.068 - 4.303 * 0.002 / Math.Sqrt(3), low, 9);
        Assert.Equal(0.068 + 4.303 * 0.002 / Math.Sqrt(3), high, 9);
        Assert.Null(Stat.Of([1.0]).Interval95);
    }
}

public sealed class DemoReportTests
{
    [Fact]
    public void A_report_of_a_demo_folder_finds_its_runs_in_arm_folders_and_names_them_by_their_path()
    {
        using var folder = TestPaths.NewTempFolder();
        var demo = Directory.CreateDirectory(folder.File("demo-1")).FullName;
        File.WriteAllText(Path.Combine(demo, "config.yaml"), "kind: demo\n");
        FakeRuns.Make(demo, "pretrain", "pretrain", 0, 5.4);
        foreach (var seed in new long[] { 0, 1 })
        {
            FakeRuns.Make(Path.Combine(demo, "pretrained"), $"all-seed{seed}", "finetune", seed, 0.7, 0.75 + seed * 0.01, settings: new Dictionary<string, string> { ["from"] = "/d/pretrain" });
            FakeRuns.Make(Path.Combine(demo, "scratch"), $"all-seed{seed}", "finetune", seed, 0.7, 0.70 + seed * 0.01, settings: new Dictionary<string, string> { ["from"] = "scratch" });
        }
        var html = folder.File("r.html");
        ReportBuilder.Write(new ReportRequest("Demo", [demo]), html);
        var text = System.Net.WebUtility.HtmlDecode(File.ReadAllText(html));
        Assert.Contains("Compared 5 run(s): 1 pretrain, 4 finetune in 2 settings.", text);
        Assert.Contains("from=pretrain: 0.755 ± 0.00707 (mean ± sd over 2 seeds) [demo-1/pretrained/all-seed0, demo-1/pretrained/all-seed1]", text);
        Assert.Contains("finetune test/accuracy: from=pretrain − from=scratch = +0.0500, 95 % interval +0.0500 to +0.0500 (paired over seeds 0, 1", text);
    }
}
