using System.Text.Json;
using Flint.Tests.Cli;

namespace Flint.Tests.Workflow;

/// <summary><c>flint demo</c> end to end on the nano preset: every number it reports traces back to a run it made.</summary>
public sealed class DemoTests
{
    static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Fact]
    public void The_demo_reports_arms_over_seeds_and_budgets_and_every_number_comes_from_its_runs()
    {
        using var folder = TestPaths.NewTempFolder();
        var ceiling = PublishedEncoder(folder.File("tiny-bert"));
        var (exit, output, error) = CliRunner.Run("demo", "--preset", "nano", "--steps", "8", "--adapt-minutes", "0.05", "--seeds", "2", "--budgets", "40",
            "--epochs", "1", "--ceiling", ceiling, "--out", folder.Path, "--progress", "false");
        Assert.True(exit == 0, output + error);
        var demo = Directory.GetDirectories(folder.Path, "demo-*").Single();
        var json = Json(Path.Combine(demo, "demo.json"));

        var arms = json.GetProperty("arms").EnumerateArray().ToList();
        Assert.Equal(["bag-of-words", "scratch", "pretrained-clm", "adapted-clm", "published-tiny-bert"], arms.Select(a => a.GetProperty("name").GetString()).Distinct());
        Assert.Equal(9, arms.Count); // 4 arms × (all labels, 40 labels), and the ceiling at all labels
        Assert.Equal([0L, 1L], json.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt64()));

        // Each neural trial's accuracies are the ones its run folder recorded; its settings are the arm's budget, seed and split.
        foreach (var arm in arms.Where(a => a.GetProperty("kind").GetString() != "bagofwords"))
        {
            var runs = arm.GetProperty("runs").EnumerateArray().Select(r => r.GetString()!).ToList();
            var tests = arm.GetProperty("test_accuracies").EnumerateArray().Select(v => v.GetDouble()).ToList();
            for (int i = 0; i < runs.Count; i++)
            {
                Assert.Equal(Json(Path.Combine(runs[i], "summary.json")).GetProperty("test_accuracy").GetDouble(), tests[i]);
                var config = File.ReadAllText(Path.Combine(runs[i], "config.yaml"));
                Assert.Contains($"seed: {i}", config);
                Assert.Contains("split_seed: 0", config);
                if (arm.GetProperty("budget").ValueKind == JsonValueKind.Number) Assert.Contains("train_examples: 40", config);
            }
        }

        // The margin is the paired (same seed) difference of the arm chosen on validation and scratch, at all labels.
        JsonElement At(string name, bool all) => arms.Single(a => a.GetProperty("name").GetString() == name && (a.GetProperty("budget").ValueKind == JsonValueKind.Null) == all);
        double[] Values(JsonElement arm, string key) => arm.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var best = new[] { "pretrained-clm", "adapted-clm" }.OrderByDescending(n => Values(At(n, true), "val_accuracies").Average()).First();
        Assert.Equal(best, json.GetProperty("margin_arm").GetString());
        var expected = Values(At(best, true), "test_accuracies").Zip(Values(At("scratch", true), "test_accuracies"), (a, b) => a - b).Average();
        Assert.Equal(expected, json.GetProperty("margin").GetDouble(), 12);
        Assert.Equal(Values(At("bag-of-words", true), "test_accuracies").Average(), json.GetProperty("baseline").GetProperty("test_accuracy").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("margin_1000").ValueKind); // no 1,000-label budget was asked for

        // --steps pins the pretraining budget (recorded in demo.json); the adaptation was timed in minutes.
        Assert.Equal(8, json.GetProperty("pretraining").GetProperty("pretrain-clm").GetProperty("steps").GetInt64());
        Assert.Equal(8, json.GetProperty("steps").GetInt64());
        // The adaptation ran on the training texts, from the pretraining run; the figure and the report are there.
        Assert.Equal(Path.GetFullPath(Path.Combine(demo, "pretrain-clm")), Json(Path.Combine(demo, "adapt-clm", "summary.json")).GetProperty("parent").GetString());
        Assert.Contains("adapted-clm", File.ReadAllText(Path.Combine(demo, "label-efficiency.svg")));
        Assert.True(File.Exists(Path.Combine(demo, "label-efficiency.png")));
        Assert.True(File.Exists(Path.Combine(demo, "report.html")));
        // The published encoder is the ceiling: its own key, its runs' numbers, never Flint's best arm or a pretrained arm of the margin.
        var published = At("published-tiny-bert", true);
        Assert.Equal("published", published.GetProperty("kind").GetString());
        var ceilingJson = json.GetProperty("ceiling");
        Assert.Equal(published.GetProperty("runs").EnumerateArray().Select(r => Json(Path.Combine(r.GetString()!, "summary.json")).GetProperty("test_accuracy").GetDouble()).Average(),
            ceilingJson.GetProperty("test_accuracy").GetDouble(), 12);
        Assert.Contains("max_epochs: 1", File.ReadAllText(Path.Combine(published.GetProperty("runs")[0].GetString()!, "config.yaml")));
        Assert.NotEqual("published-tiny-bert", json.GetProperty("best_arm").GetString());
        Assert.Contains("published-tiny-bert", File.ReadAllText(Path.Combine(demo, "report.html")));
        Assert.Contains("Ceiling: the published encoder (published-tiny-bert", output);
        Assert.Contains("Pretraining pays off by", output);
        Assert.Contains("bag-of-words floor", output);
    }

    /// <summary>A HuggingFace BertModel folder with random bert-nano weights: stands in for a published encoder.</summary>
    static string PublishedEncoder(string folder)
    {
        Directory.CreateDirectory(folder);
        TorchSharp.torch.manual_seed(3);
        var config = Flint.Models.ModelPresets.Get("bert-nano").ToBert(30522, dropout: 0);
        using var bert = new Flint.Models.Bert(config);
        Flint.Checkpoints.Safetensors.Write(Path.Combine(folder, "model.safetensors"), bert.state_dict().Where(kv => !kv.Key.StartsWith("cls.", StringComparison.Ordinal)).Select(kv => (kv.Key, kv.Value)));
        Flint.Checkpoints.HfBertConfig.From(config).Write(Path.Combine(folder, "config.json"));
        File.Copy(TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        return folder;
    }

    /// <summary>
    /// Fine-tunings run as child processes two at once are the runs the same demo makes one after another in one process —
    /// the same folders with the same settings but their share of the cores (libtorch's thread count, which changes the
    /// arithmetic's last bits and so, over many steps, a run's numbers, as a seed does) — and each one is repeated exactly
    /// by rerunning the settings the demo kept for it in <c>logs/RUN.yaml</c>.
    /// </summary>
    [Fact]
    public async Task Parallel_fine_tunings_are_the_demos_runs_and_each_repeats_exactly_from_its_logged_settings()
    {
        using var folder = TestPaths.NewTempFolder();
        (string Demo, string Output) Demo(string parallel)
        {
            var root = folder.File("parallel-" + parallel);
            var (exit, output, error) = CliRunner.Run("demo", "--preset", "nano", "--steps", "8", "--adapt-steps", "4", "--seeds", "2", "--budgets", "40",
                "--epochs", "1", "--parallel", parallel, "--out", root, "--progress", "false");
            Assert.True(exit == 0, output + error);
            return (Directory.GetDirectories(root, "demo-*").Single(), output);
        }
        var (one, _) = Demo("1");
        var (two, printed) = Demo("2");
        Assert.Contains("2 at once, each a flint process with", printed);
        Assert.False(Directory.Exists(Path.Combine(one, "logs")));

        // The same runs with the same settings, apart from where they live and how many threads each had.
        static string Name(string run) => Path.GetFileName(run);
        var runs = Directory.GetDirectories(one, "*-seed*").Select(Name).Order().ToList();
        Assert.Equal(12, runs.Count); // scratch, pretrained, adapted × (all labels, 40) × 2 seeds
        Assert.Equal(runs, Directory.GetDirectories(two, "*-seed*").Select(Name).Order());
        string Settings(string demo, string run) => string.Join("\n", File.ReadAllLines(Path.Combine(demo, run, "config.yaml"))
            .Where(l => !l.StartsWith("threads:", StringComparison.Ordinal) && !l.StartsWith('#')).Select(l => l.Replace(demo, "DEMO", StringComparison.Ordinal)));
        Assert.All(runs, run => Assert.Equal(Settings(one, run), Settings(two, run)));

        // A child's run, repeated from its logged settings in a process of its own, gives the numbers demo.json holds.
        var json = Json(Path.Combine(two, "demo.json"));
        var scratch = json.GetProperty("arms").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "scratch" && a.GetProperty("budget").ValueKind == JsonValueKind.Null);
        var again = folder.File("again");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll"), "finetune", "--config", Path.Combine(two, "logs", "scratch-all-seed1.yaml"), "--out", again })
            start.ArgumentList.Add(a);
        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await output + error);
        }
        var repeated = Json(Path.Combine(again, "summary.json"));
        Assert.Equal(scratch.GetProperty("test_accuracies")[1].GetDouble(), repeated.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(scratch.GetProperty("val_accuracies")[1].GetDouble(), repeated.GetProperty("val_accuracy").GetDouble());
    }

    /// <summary>A fine-tuning that fails in its child process stops the demo with a message naming the run and its log.</summary>
    [Fact]
    public void A_failing_child_run_names_its_log()
    {
        using var folder = TestPaths.NewTempFolder();
        var broken = folder.File("broken-encoder");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), "{\"model_type\": \"bert\"}");
        var (exit, output, error) = CliRunner.Run("demo", "--preset", "nano", "--steps", "4", "--adapt-steps", "0", "--seeds", "1", "--budgets", "none",
            "--epochs", "1", "--parallel", "2", "--ceiling", broken, "--out", folder.File("runs"), "--progress", "false");
        Assert.NotEqual(0, exit);
        var demo = Directory.GetDirectories(folder.File("runs"), "demo-*").Single();
        var log = Path.Combine(demo, "logs", "published-broken-encoder-all-seed0.log");
        Assert.Contains($"The fine-tuning published-broken-encoder-all-seed0 failed (exit code 2); its output is in {log}.", output + error);
        Assert.Contains("broken-encoder", File.ReadAllText(log));
    }

    [Fact]
    public void A_budget_in_steps_and_in_minutes_at_once_is_refused()
    {
        using var folder = TestPaths.NewTempFolder();
        var (exit, output, error) = CliRunner.Run("demo", "--steps", "5", "--minutes", "2", "--out", folder.Path, "--progress", "false");
        Assert.Equal(2, exit);
        Assert.Contains("steps: pass --steps or --minutes, not both (got 5 steps and 2 min).", output + error);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Theory]
    [InlineData("--parallel", "4096", "parallel: 4096 runs at once, but this machine has")]
    [InlineData("--objectives", "clm,gpt", "objectives: 'gpt' is not an objective; choose from clm, mlm, electra.")]
    [InlineData("--budgets", "100,99999", "budgets: 99999 labels is more than the")]
    [InlineData("--seeds", "0,0", "seeds: '0,0' must name distinct seeds")]
    [InlineData("--preset", "bert-nano", "objectives: clm needs a decoder and 'bert-nano' is an encoder preset.")]
    [InlineData("--ceiling", "no-such-folder", "ceiling: no-such-folder is not a HuggingFace model folder (no config.json).")]
    public void Bad_demo_settings_stop_before_any_training_naming_the_flag(string flag, string value, string message)
    {
        using var folder = TestPaths.NewTempFolder();
        var (exit, output, error) = CliRunner.Run("demo", flag, value, "--out", folder.Path, "--progress", "false");
        Assert.Equal(2, exit);
        Assert.Contains(message, output + error);
        Assert.Empty(Directory.GetDirectories(folder.Path, "pretrain-*", SearchOption.AllDirectories));
    }
}
