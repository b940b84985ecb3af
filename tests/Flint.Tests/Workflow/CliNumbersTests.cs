using System.Globalization;
using System.Text.Json;
using Flint.Tests.Cli;

namespace Flint.Tests.Workflow;

/// <summary>What the CLI writes agrees with itself: confusion matrices with test accuracy, records with the step they were computed at.</summary>
public sealed class CliNumbersTests
{
    static string Labelled(TempFolder folder) => CliWorkflowTests.Labelled(folder, perClass: 120);

    [Fact]
    public void Finetune_writes_a_confusion_matrix_that_sums_to_the_test_set_and_agrees_with_test_accuracy_and_logs_test_at_the_final_step()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("ft");
        var (exit, output, error) = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", "scratch", "--model.preset", "nano", "--tokenizer", "gpt2",
            "--out", run, "--trainer.max-epochs", "2", "--trainer.progress", "false", "--trainer.accumulate", "3");
        Assert.True(exit == 0, output + error);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;
        var matrix = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "confusion.json"))).RootElement.GetProperty("matrix")
            .EnumerateArray().Select(row => row.EnumerateArray().Select(c => c.GetInt64()).ToArray()).ToArray();
        long total = matrix.Sum(r => r.Sum()), trace = matrix.Select((r, i) => r[i]).Sum();
        Assert.Equal(24, total); // 10% of 240 examples, stratified
        Assert.Equal(summary.GetProperty("test_accuracy").GetDouble(), trace / (double)total, 12);

        var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        long finalStep = summary.GetProperty("final_step").GetInt64();
        var test = rows.Where(r => r[5].StartsWith("test/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(test);
        Assert.All(test, r => Assert.Equal(finalStep, long.Parse(r[0], CultureInfo.InvariantCulture)));
        Assert.All(test, r => Assert.Equal(rows.Where(t => t[5] == "train/loss").Max(t => long.Parse(t[2], CultureInfo.InvariantCulture)), long.Parse(r[2], CultureInfo.InvariantCulture)));
        Assert.DoesNotContain(rows.GroupBy(r => (r[0], r[5])), g => g.Count() > 1 && !g.Key.Item2.StartsWith("val/", StringComparison.Ordinal));
    }

    [Fact]
    public void Pretraining_on_a_folder_of_a_few_long_files_validates_on_their_tails_and_says_so()
    {
        using var folder = TestPaths.NewTempFolder();
        var books = Directory.CreateDirectory(folder.File("books")).FullName;
        var text = File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"));
        for (int i = 0; i < 3; i++) File.WriteAllText(Path.Combine(books, $"book{i}.txt"), text.Substring(i * 20000, 20000).Replace("\n\n", "\n", StringComparison.Ordinal));
        var run = folder.File("pre");
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", books, "--out", run, "--model.preset", "nano", "--tokenizer", "char",
            "--trainer.max-steps", "4", "--data.batch-size", "4", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        Assert.Contains("validation: the last 5% of each of 3 documents", output);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;
        Assert.True(double.IsFinite(summary.GetProperty("val_loss").GetDouble()));
    }

    [Fact]
    public void A_body_pretrained_with_a_context_longer_than_its_presets_is_rebuilt_exactly_by_from_and_evaluate()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        var pre = folder.File("pre");
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", corpus, "--out", pre, "--model.preset", "nano", "--tokenizer", "char",
            "--data.context", "48", "--trainer.max-steps", "2", "--data.batch-size", "4", "--trainer.progress", "false"); // nano's own context is 32
        Assert.True(exit == 0, output + error);
        var record = Flint.Workflow.ModelRecord.Read(pre);
        Assert.Equal(48, record!.Preset.Context);

        (exit, output, error) = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", pre, "--out", folder.File("ft"), "--trainer.max-steps", "1", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        (exit, output, error) = CliRunner.Run("finetune", "--data", Labelled(folder), "--from", "scratch", "--architecture-of", pre, "--out", folder.File("ctrl"),
            "--trainer.max-steps", "1", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        (exit, output, error) = CliRunner.Run("evaluate", "--from", pre, "--json");
        Assert.True(exit == 0, output + error);
    }
}
