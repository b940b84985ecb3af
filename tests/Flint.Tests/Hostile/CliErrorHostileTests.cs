using Flint.Tests.Cli;
using Flint.Text.Data;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Tests.Hostile;

/// <summary>A user's mistake is one line naming their file, line or flag, with exit code 2 — never a stack trace.</summary>
public sealed class CliErrorHostileTests
{
    static void AssertOneCleanError(int exit, string output, string error, params string[] mentions)
    {
        var all = output + error;
        Assert.True(exit == 2, $"exit {exit}: {all}");
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
        foreach (var mention in mentions) Assert.Contains(mention, all, StringComparison.Ordinal);
    }

    static string Jsonl(TempFolder folder, string name, params string[] lines)
    {
        var good = Enumerable.Range(0, 30).Select(i => $$"""{"text": "example number {{i}}", "label": "{{(i % 2 == 0 ? "pos" : "neg")}}"}""");
        var path = folder.File(name);
        File.WriteAllLines(path, [.. good.Take(3), .. lines, .. good.Skip(3)]);
        return path;
    }

    [Fact]
    public void Malformed_jsonl_in_finetune_data_is_one_line_naming_the_file_and_line()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = Jsonl(folder, "broken.jsonl", """{"text": "unterminated, "label": "pos"}""");

        var (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", "scratch", "--out", folder.File("ft"), "--trainer.max-steps", "1", "--trainer.progress", "false");

        AssertOneCleanError(exit, output, error, "broken.jsonl:4");
        Assert.False(Directory.Exists(folder.File("ft")));
    }

    [Theory]
    [InlineData("""{"text": "a list", "label": [1, 2]}""", "label")]
    [InlineData("""{"text": "an object", "label": {"name": "pos"}}""", "label")]
    [InlineData("""{"text": "nothing", "label": null}""", "label")]
    [InlineData("""{"text": ["not", "text"], "label": "pos"}""", "text")]
    [InlineData("""["a", "line", "that", "is", "a", "list"]""", "object")]
    [InlineData("""{"text": "trailing garbage", "label": "pos"} x""", "JSON")]
    public void A_jsonl_line_of_the_wrong_shape_is_refused_naming_the_file_line_and_field(string line, string field)
    {
        using var folder = TestPaths.NewTempFolder();
        var data = Jsonl(folder, "odd.jsonl", line);

        var error = Assert.Throws<InvalidDataException>(() => LabeledData.Read(data));

        Assert.Contains("odd.jsonl:4", error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_label_in_finetune_data_is_refused_not_made_a_class()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = Jsonl(folder, "labels.jsonl", """{"text": "a list", "label": [1, 2]}""");

        var (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", "scratch", "--out", folder.File("ft"), "--trainer.max-steps", "1", "--trainer.progress", "false");

        AssertOneCleanError(exit, output, error, "labels.jsonl:4", "label");
    }

    [Fact]
    public void Numbers_and_booleans_are_still_accepted_as_labels()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = Jsonl(folder, "plain.jsonl", """{"text": "numbered", "label": 1}""", """{"text": "flagged", "label": true}""");

        var examples = LabeledData.Read(data);

        Assert.Contains(examples, e => e.Label == "1");
        Assert.Contains(examples, e => e.Label == "true");
    }

    static string RootWithOneRun(TempFolder folder)
    {
        var root = folder.File("runs");
        var run = RunFolder.Open(Path.Combine(root, "known"), RunKind.Pretrain, false, new PretrainSpec());
        new RunSummary { Name = "known", Kind = "pretrain", Status = RunStatus.Finished, Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow }.Write(run.Path);
        run.ReleaseLock();
        RunStore.Open(root).Reindex();
        return root;
    }

    [Fact]
    public void Report_of_an_unknown_run_id_prints_only_the_message()
    {
        using var folder = TestPaths.NewTempFolder();
        var root = RootWithOneRun(folder);

        var (exit, output, error) = CliRunner.Run("report", "nosuchrun", "--runs", root, "--out", folder.File("report.html"));

        AssertOneCleanError(exit, output, error, "No run 'nosuchrun'", "flint runs");
        Assert.False(File.Exists(folder.File("report.html")));
    }

    [Fact]
    public void Tagging_an_unknown_run_id_prints_only_the_message()
    {
        using var folder = TestPaths.NewTempFolder();
        var root = RootWithOneRun(folder);

        var (exit, output, error) = CliRunner.Run("runs", "tag", "nosuchrun", "good", "--runs", root);

        AssertOneCleanError(exit, output, error, "No run 'nosuchrun'");
    }

    [Theory]
    [InlineData("--temperature", "NaN")]
    [InlineData("--temperature", "-1")]
    [InlineData("--temperature", "Infinity")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--top-p", "0")]
    [InlineData("--top-p", "NaN")]
    [InlineData("--top-k", "-5")]
    [InlineData("--max-new-tokens", "-1")]
    public void Generate_refuses_a_sampling_setting_out_of_range_naming_the_flag(string flag, string value)
    {
        using var folder = TestPaths.NewTempFolder();

        // Checked before the run folder is even read: a mistyped flag is reported first.
        var (exit, output, error) = CliRunner.Run("generate", "--from", folder.File("no-such-run"), flag, value);

        AssertOneCleanError(exit, output, error, flag, value);
    }

    [Fact]
    public void Generate_or_finetune_from_a_fine_tuning_run_says_what_the_folder_holds_and_what_the_command_needs()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        var pre = folder.File("pre");
        var made = CliRunner.Run("pretrain", "--data", corpus, "--out", pre, "--model.preset", "nano", "--tokenizer", "char", "--trainer.max-steps", "2",
            "--data.batch-size", "4", "--trainer.progress", "false");
        Assert.True(made.Exit == 0, made.Output + made.Error);
        var data = Jsonl(folder, "reviews.jsonl");
        var ft = folder.File("ft");
        made = CliRunner.Run("finetune", "--data", data, "--from", pre, "--out", ft, "--trainer.max-steps", "1", "--trainer.progress", "false");
        Assert.True(made.Exit == 0, made.Output + made.Error);

        var (exit, output, error) = CliRunner.Run("generate", "--from", ft, "--prompt", "RO", "--max-new-tokens", "3");
        AssertOneCleanError(exit, output, error, $"--from {ft}: a fine-tuning run", "--from takes a pretraining run");

        (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", ft, "--out", folder.File("ft2"), "--trainer.max-steps", "1", "--trainer.progress", "false");
        AssertOneCleanError(exit, output, error, $"--from {ft}: a fine-tuning run", $"pass that run instead");
        Assert.False(Directory.Exists(folder.File("ft2")));
    }
}
