using System.Globalization;
using System.Text.Json;
using Flint.Tests.Cli;

namespace Flint.Tests.Workflow;

/// <summary>
/// Regressions found by a hostile pass over the CLI: settings that crash instead of being refused, run folders whose
/// records stop matching their weights, and settings that are accepted, recorded and then ignored.
/// </summary>
public sealed class HostileFindingsTests
{
    static string Corpus(TempFolder folder, string name = "corpus.txt", int start = 0)
    {
        var path = folder.File(name);
        File.WriteAllText(path, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt")).Substring(start, 60000));
        return path;
    }

    static string Labelled(TempFolder folder)
    {
        var path = folder.File("reviews.tsv");
        var pos = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(100).Select(l => $"{l.Replace('\t', ' ')}\tpos");
        var neg = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(100).Select(l => $"{l.Replace('\t', ' ')}\tneg");
        File.WriteAllLines(path, ["text\tlabel", .. pos.Zip(neg).SelectMany(p => new[] { p.First, p.Second })]);
        return path;
    }

    static string[] Nano(string corpus, string run, params string[] more) =>
        ["pretrain", "--data", corpus, "--out", run, "--model.preset", "nano", "--tokenizer", "char", "--data.batch-size", "8", "--trainer.progress", "false", .. more];

    static JsonElement Summary(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;

    static double LastJsonValLoss(string output) =>
        JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.GetProperty("val_loss").GetDouble();

    [Fact]
    public void A_refused_resume_leaves_the_runs_config_yaml_and_what_evaluate_reports_unchanged()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        var corpus = Corpus(folder);
        var (exit, output, error) = CliRunner.Run(Nano(corpus, run, "--trainer.max-steps", "4"));
        Assert.True(exit == 0, output + error);
        var config = File.ReadAllText(Path.Combine(run, "config.yaml"));

        // A careless resume with another context is refused (correctly)...
        var refused = CliRunner.Run([.. Nano(corpus, run, "--trainer.max-steps", "4", "--data.context", "16"), "--resume", "last"]);
        Assert.NotEqual(0, refused.Exit);

        // ...but must not have rewritten the record of the run: config.yaml is what evaluate rebuilds the model from.
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "config.yaml")));
        var evaluated = CliRunner.Run("evaluate", "--from", run, "--json");
        Assert.True(evaluated.Exit == 0, evaluated.Output + evaluated.Error);
        Assert.Equal(Summary(run).GetProperty("val_loss").GetDouble(), LastJsonValLoss(evaluated.Output));
    }

    [Fact]
    public void Finetune_resuming_into_a_pretraining_run_folder_is_refused_without_touching_that_run()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("pre");
        var (exit, output, error) = CliRunner.Run(Nano(Corpus(folder), run, "--trainer.max-steps", "3"));
        Assert.True(exit == 0, output + error);
        var config = File.ReadAllText(Path.Combine(run, "config.yaml"));

        // --out given where --from was meant: the pretraining run must survive.
        var mistaken = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", run, "--out", run, "--resume", "last",
            "--trainer.max-steps", "2", "--trainer.progress", "false");
        Assert.NotEqual(0, mistaken.Exit);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "config.yaml")));
        Assert.False(File.Exists(Path.Combine(run, "labels.json")), "a fine-tuning labels.json was written into the pretraining run");
    }

    [Fact]
    public void Resuming_a_run_that_stopped_before_training_reads_the_corpus_now_given_not_the_one_tokenized_before()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        var first = Corpus(folder, "first.txt");
        var second = Corpus(folder, "second.txt", start: 500000);

        // The first attempt tokenizes, then stops on an invalid dropout before any step.
        var failed = CliRunner.Run(Nano(first, run, "--trainer.max-steps", "2", "--model.dropout", "1"));
        Assert.Equal(2, failed.Exit);

        // The user fixes the dropout and points at another corpus; config.yaml will say 'second.txt'.
        var (exit, output, error) = CliRunner.Run([.. Nano(second, run, "--trainer.max-steps", "2"), "--resume", "last"]);
        if (exit != 0) return; // refusing is fine; training on the old corpus while recording the new one is not
        Assert.Contains("second.txt", File.ReadAllText(Path.Combine(run, "config.yaml")));
        var sources = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "data", "meta.json"))).RootElement.GetProperty("sources")
            .EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.True(sources.Any(s => s!.EndsWith("second.txt", StringComparison.Ordinal)), $"trained on {string.Join(", ", sources)} while config.yaml names second.txt");
    }

    [Fact]
    public void Finetune_honours_the_optimizer_warmup_it_accepts_and_records()
    {
        using var folder = TestPaths.NewTempFolder();
        var pre = folder.File("pre");
        var (exit, output, error) = CliRunner.Run(Nano(Corpus(folder), pre, "--trainer.max-steps", "2"));
        Assert.True(exit == 0, output + error);
        var data = Labelled(folder);

        double FirstLr(string name, params string[] more)
        {
            var run = folder.File(name);
            var result = CliRunner.Run(["finetune", "--data", data, "--from", pre, "--out", run, "--trainer.max-steps", "10", "--trainer.log-every", "1",
                "--trainer.progress", "false", .. more]);
            Assert.True(result.Exit == 0, result.Output + result.Error);
            var row = File.ReadLines(Path.Combine(run, "metrics.csv")).Select(l => l.Split(',')).First(f => f[0] == "1" && f[5] == "lr");
            return double.Parse(row[6], CultureInfo.InvariantCulture);
        }

        // warmup 0.05 of 10 steps and warmup 0.5 of 10 steps cannot give the same LR at step 1.
        Assert.NotEqual(FirstLr("default"), FirstLr("long-warmup", "--optimizer.warmup", "0.5"));
    }

    [Theory]
    [InlineData("--data.batch-size", "3000000000", "data.batch_size")]
    [InlineData("--threads", "99999999999", "threads")]
    public void An_integer_setting_beyond_the_range_of_its_type_is_a_configuration_error_not_a_crash(string flag, string value, string key)
    {
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", "corpus.txt", flag, value);
        Assert.True(exit == 2, output + error);
        Assert.Contains(key, output + error);
        Assert.DoesNotContain("OverflowException", output + error);
    }

    [Theory]
    [InlineData("--device", "device")]
    [InlineData("--tokenizer", "tokenizer")]
    public void An_empty_value_for_a_required_text_setting_is_refused_naming_the_setting(string flag, string key)
    {
        using var folder = TestPaths.NewTempFolder();
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", Corpus(folder), "--out", folder.File("run"), "--model.preset", "nano",
            "--trainer.max-steps", "1", "--trainer.progress", "false", flag, "");
        Assert.True(exit == 2, output + error);
        Assert.Contains(key, output + error);
        Assert.DoesNotContain("NullReferenceException", output + error);
    }

    [Fact]
    public void A_run_pretrained_with_a_context_longer_than_its_presets_can_be_fine_tuned_and_generated_from()
    {
        using var folder = TestPaths.NewTempFolder();
        var pre = folder.File("pre");
        var (exit, output, error) = CliRunner.Run(Nano(Corpus(folder), pre, "--trainer.max-steps", "2", "--data.context", "64"));
        Assert.True(exit == 0, output + error);

        (exit, output, error) = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", pre, "--out", folder.File("ft"), "--trainer.max-steps", "2",
            "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        (exit, output, error) = CliRunner.Run("generate", "--from", pre, "--prompt", "ROMEO:", "--max-new-tokens", "5");
        Assert.True(exit == 0, output + error);
    }

    [Fact]
    public void The_control_run_copies_the_architecture_of_the_pretrained_body_even_when_given_the_fine_tuned_run()
    {
        using var folder = TestPaths.NewTempFolder();
        var pre = folder.File("pre");
        var (exit, output, error) = CliRunner.Run(Nano(Corpus(folder), pre, "--trainer.max-steps", "2"));
        Assert.True(exit == 0, output + error);
        var data = Labelled(folder);
        string[] common = ["--data", data, "--trainer.max-steps", "1", "--trainer.progress", "false"];
        (exit, output, error) = CliRunner.Run(["finetune", .. common, "--from", pre, "--out", folder.File("ft")]);
        Assert.True(exit == 0, output + error);

        // The control given the fine-tuned run (whose config.yaml holds fine-tuning's unused model.preset 'small').
        var control = CliRunner.Run(["finetune", .. common, "--from", "scratch", "--architecture-of", folder.File("ft"), "--out", folder.File("ctrl")]);
        if (control.Exit != 0) return; // refusing a fine-tuning run here is fine; silently building another architecture is not
        Assert.Equal(Summary(folder.File("ft")).GetProperty("params").GetInt64(), Summary(folder.File("ctrl")).GetProperty("params").GetInt64());
    }

    [Fact]
    public void A_config_file_with_a_key_given_twice_is_refused_naming_the_key()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("c.yaml"), "trainer:\n  max_steps: 5\n  max_steps: 7\n");
        var (exit, output, error) = CliRunner.Run("pretrain", "--config", folder.File("c.yaml"), "--data", "corpus.txt", "--print-config");
        Assert.True(exit == 2, output);
        Assert.Contains("trainer.max_steps", output + error);
    }

    [Fact]
    public void A_missing_label_column_is_explained_with_flags_that_exist()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllLines(folder.File("texts.tsv"), ["text", "a fine film", "a dull film", "a great film", "a bad film"]);
        var (exit, output, error) = CliRunner.Run("finetune", "--data", folder.File("texts.tsv"), "--from", "scratch", "--trainer.progress", "false");
        Assert.Equal(2, exit);
        Assert.Contains("--data.label-column", output + error);
    }
}
