using System.Text.Json;
using Flint.Tests.Cli;

namespace Flint.Tests.Workflow;

/// <summary>The workflow commands end to end, through the CLI, on tiny presets and bundled data.</summary>
public sealed class CliWorkflowTests
{
    static string Corpus(TempFolder folder)
    {
        var path = folder.File("corpus.txt");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..60000]);
        return path;
    }

    /// <summary>A TSV of <paramref name="perClass"/> positive and as many negative rt-polarity sentences, interleaved.</summary>
    internal static string Labelled(TempFolder folder, int perClass = 150)
    {
        var path = folder.File("reviews.tsv");
        var pos = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(perClass).Select(l => $"{l.Replace('\t', ' ')}\tpos");
        var neg = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(perClass).Select(l => $"{l.Replace('\t', ' ')}\tneg");
        File.WriteAllLines(path, ["text\tlabel", .. pos.Zip(neg).SelectMany(p => new[] { p.First, p.Second })]);
        return path;
    }

    static JsonElement Summary(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;

    [Fact]
    public void Pretrain_then_finetune_then_evaluate_and_generate_through_the_cli()
    {
        using var folder = TestPaths.NewTempFolder();
        var pretrain = folder.File("pre");
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", Corpus(folder), "--out", pretrain, "--model.preset", "nano", "--tokenizer", "char",
            "--trainer.max-steps", "30", "--data.batch-size", "8", "--trainer.progress", "false", "--seed", "3");
        Assert.True(exit == 0, output + error);
        var summary = Summary(pretrain);
        foreach (var key in new[] { "params", "tokens", "wall_s", "tokens_per_s", "final_step", "val_loss" }) Assert.True(summary.TryGetProperty(key, out _), key);
        Assert.Equal(30, summary.GetProperty("final_step").GetInt64());
        Assert.True(File.Exists(Path.Combine(pretrain, "checkpoints", "last", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(pretrain, "metrics.csv")));
        Assert.True(File.Exists(Path.Combine(pretrain, "config.yaml")));
        Assert.Contains("max_steps: 30", File.ReadAllText(Path.Combine(pretrain, "config.yaml")));

        var finetune = folder.File("ft");
        (exit, output, error) = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", pretrain, "--out", finetune, "--trainer.max-epochs", "2",
            "--finetune.method", "lora", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        var ft = Summary(finetune);
        Assert.InRange(ft.GetProperty("val_accuracy").GetDouble(), 0, 1);
        Assert.InRange(ft.GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.Equal(pretrain, ft.GetProperty("parent").GetString());
        Assert.True(ft.GetProperty("trainable_params").GetInt64() < ft.GetProperty("params").GetInt64());
        Assert.Contains("loaded", output);

        (exit, output, error) = CliRunner.Run("evaluate", "--from", finetune, "--data", Labelled(folder));
        Assert.True(exit == 0, output + error);
        Assert.Contains("test/accuracy", output);
        Assert.Single(Directory.GetFiles(Path.Combine(finetune, "evaluations")));

        (exit, output, error) = CliRunner.Run("generate", "--from", pretrain, "--prompt", "ROMEO:", "--max-new-tokens", "20", "--seed", "1");
        Assert.True(exit == 0, error);
        Assert.StartsWith("ROMEO:", output);
        Assert.True(output.Trim().Length > "ROMEO:".Length);

        // Every run registered itself in the runs root's store; list, compare and report them through the CLI.
        (exit, output, error) = CliRunner.Run("runs", "--runs", folder.Path);
        Assert.True(exit == 0, output + error);
        Assert.Contains("pre", output);
        Assert.Contains("ft", output);
        Assert.Contains("evaluate-", output);
        (exit, output, error) = CliRunner.Run("runs", "compare", "pre", "ft", "--runs", folder.Path);
        Assert.True(exit == 0, output + error);
        Assert.Contains("kind", output);
        var report = folder.File("report.html");
        (exit, output, error) = CliRunner.Run("report", "pre", "ft", "--runs", folder.Path, "--out", report);
        Assert.True(exit == 0, output + error);
        Assert.Contains("<svg", File.ReadAllText(report));
    }

    [Fact]
    public void Val_every_replaces_the_per_epoch_validation_instead_of_adding_to_it()
    {
        // Found in the demo: --trainer.val-every (help: "validate every N steps, default: each epoch") still validated at
        // every epoch's end, so a 100-label fine-tune of 30 short epochs validated 30 times where the demo asked for once.
        using var folder = TestPaths.NewTempFolder();
        var data = Labelled(folder, perClass: 30);
        int[] ValidationSteps(string run) => File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("name").GetString() == "val/loss").Select(r => r.GetProperty("step").GetInt32()).ToArray();
        string Finetune(string name, params string[] extra)
        {
            var run = folder.File(name);
            var (exit, output, error) = CliRunner.Run(["finetune", "--data", data, "--from", "scratch", "--model.preset", "nano", "--out", run,
                "--trainer.max-epochs", "3", "--data.batch-size", "8", "--trainer.progress", "false", .. extra]);
            Assert.True(exit == 0, output + error);
            return run;
        }
        // 48 training examples, batches of 8: 6 steps per epoch.
        Assert.Equal([6, 12, 18], ValidationSteps(Finetune("per-epoch")));
        Assert.Equal([18], ValidationSteps(Finetune("once", "--trainer.val-every", "1000")));  // only the closing one
        Assert.Equal([4, 8, 12, 16, 18], ValidationSteps(Finetune("every-4", "--trainer.val-every", "4")));
    }

    [Fact]
    public void Resume_last_continues_an_interrupted_pretraining_run()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = Corpus(folder);
        string[] common = ["--data", corpus, "--out", folder.File("run"), "--model.preset", "nano", "--tokenizer", "char", "--data.batch-size", "8", "--trainer.progress", "false"];
        var (exit, output, error) = CliRunner.Run(["pretrain", .. common, "--trainer.max-steps", "10"]);
        Assert.True(exit == 0, output + error);
        var again = CliRunner.Run(["pretrain", .. common, "--trainer.max-steps", "10"]);
        Assert.NotEqual(0, again.Exit);
        Assert.Contains("--resume last", again.Output + again.Error);
        (exit, output, error) = CliRunner.Run(["pretrain", .. common, "--trainer.max-steps", "16", "--resume", "last", "--allow-config-change"]);
        Assert.True(exit == 0, output + error);
        Assert.Contains("Resuming from", output);
        Assert.Equal(16, Summary(folder.File("run")).GetProperty("final_step").GetInt64());
    }

    [Fact]
    public void Print_config_shows_every_resolved_key_from_yaml_and_flags()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("c.yaml"), "model:\n  preset: char-small\ntrainer:\n  max-steps: 2000\noptimizer:\n  lr: 0.001\n");
        var (exit, output, _) = CliRunner.Run("pretrain", "--config", folder.File("c.yaml"), "--trainer.max-steps", "50", "--print-config");
        Assert.Equal(0, exit);
        Assert.Contains("  preset: char-small", output);
        Assert.Contains("  max_steps: 50", output);   // the flag overrides the file
        Assert.Contains("  lr: 0.001", output);
        Assert.Contains("objective: clm", output);
    }

    [Fact]
    public void Unknown_keys_wrong_types_and_out_of_range_values_are_refused_before_any_work()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("c.yaml"), "trainer:\n  max_stpes: 10\n  accumulate: two\n");
        var (exit, output, error) = CliRunner.Run("pretrain", "--config", folder.File("c.yaml"), "--data", "x", "--optimizer.lr", "-1", "--objective", "gan");
        Assert.Equal(2, exit);
        var all = output + error;
        Assert.Contains("unknown key 'trainer.max_stpes'; did you mean 'trainer.max_steps'?", all);
        Assert.Contains("trainer.accumulate: expected a whole number, got 'two'", all);
        Assert.Contains("optimizer.lr: must be above 0, got -1", all);
        Assert.Contains("objective: 'gan' is not one of clm, mlm, electra", all);
        var typo = CliRunner.Run("pretrain", "--trainer.max-stpes", "5");
        Assert.NotEqual(0, typo.Exit);
        Assert.Contains("--trainer.max-steps", typo.Output + typo.Error);
    }

    [Fact]
    public void Bad_inputs_stop_before_training_with_the_file_or_field_named()
    {
        using var folder = TestPaths.NewTempFolder();
        var missing = CliRunner.Run("pretrain", "--data", folder.File("nope.txt"), "--out", folder.File("r"), "--model.preset", "nano");
        Assert.Equal(2, missing.Exit);
        Assert.Contains("nope.txt: no such file or folder", missing.Output + missing.Error);

        File.WriteAllText(folder.File("empty.txt"), "");
        var empty = CliRunner.Run("pretrain", "--data", folder.File("empty.txt"), "--out", folder.File("r2"), "--model.preset", "nano", "--tokenizer", "gpt2");
        Assert.Equal(2, empty.Exit);
        Assert.Contains("holds no text", empty.Output + empty.Error);

        var notRun = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", folder.Path, "--out", folder.File("f"));
        Assert.Equal(2, notRun.Exit);
        Assert.Contains("is not a run folder", notRun.Output + notRun.Error);

        var noData = CliRunner.Run("finetune", "--from", "scratch");
        Assert.Equal(2, noData.Exit);
        Assert.Contains("data.path: required. Pass --data", noData.Output + noData.Error);
    }

    [Fact]
    public void A_tokenizer_that_differs_from_the_pretrained_one_is_refused()
    {
        using var folder = TestPaths.NewTempFolder();
        var pretrain = folder.File("pre");
        Assert.Equal(0, CliRunner.Run("pretrain", "--data", Corpus(folder), "--out", pretrain, "--model.preset", "nano", "--tokenizer", "char",
            "--trainer.max-steps", "2", "--data.batch-size", "4", "--trainer.progress", "false").Exit);
        var (exit, output, error) = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", pretrain, "--tokenizer", "gpt2", "--out", folder.File("ft"));
        Assert.Equal(2, exit);
        Assert.Contains("differs from the tokenizer the model was pretrained with", output + error);
    }

    [Fact]
    public void Describe_loop_and_lr_find_run_from_the_cli()
    {
        var (exit, output, _) = CliRunner.Run("describe-loop", "--model.preset", "nano", "--trainer.accumulate", "4");
        Assert.Equal(0, exit);
        Assert.Contains("for each of 4 micro-batch(es)", output);
        Assert.Contains("[ 10] LearningRateMonitor", output);

        using var folder = TestPaths.NewTempFolder();
        (exit, output, var error) = CliRunner.Run("lr-find", "--data", Corpus(folder), "--out", folder.File("lr"), "--model.preset", "nano", "--tokenizer", "char", "--data.batch-size", "8");
        Assert.True(exit == 0, output + error);
        Assert.Contains("Suggested learning rates: valley", output);
        Assert.True(File.ReadAllLines(Path.Combine(folder.File("lr"), "lr_find.csv")).Length > 10);
    }
}
