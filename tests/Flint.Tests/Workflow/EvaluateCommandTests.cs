using System.Text.Json;
using Flint.Tests.Cli;

namespace Flint.Tests.Workflow;

/// <summary><c>flint evaluate</c> on pretraining and fine-tuning runs, through the CLI, on the nano preset.</summary>
public sealed class EvaluateCommandTests
{
    static readonly string Shakespeare = File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"));

    static string Corpus(TempFolder folder)
    {
        var path = folder.File("corpus.txt");
        File.WriteAllText(path, Shakespeare[..20000]);
        return path;
    }

    /// <summary>A finished pretraining run. In-training validations see one batch, so summary.json's val_loss comes from the final, full validation.</summary>
    static string Pretrain(TempFolder folder, string objective)
    {
        var run = folder.File($"pre-{objective}");
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", Corpus(folder), "--out", run, "--objective", objective, "--model.preset", "nano",
            "--tokenizer", "char", "--trainer.max-steps", "6", "--trainer.limit-val-batches", "1", "--data.batch-size", "8", "--trainer.progress", "false", "--seed", "2");
        Assert.True(exit == 0, output + error);
        return run;
    }

    static (string Output, JsonElement Json) Evaluate(params string[] args)
    {
        var (exit, output, error) = CliRunner.Run(["evaluate", .. args, "--json"]);
        Assert.True(exit == 0, output + error);
        return (output, JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement);
    }

    static double SummaryValLoss(string run) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement.GetProperty("val_loss").GetDouble();

    [Theory]
    [InlineData("clm")]
    [InlineData("mlm")]
    [InlineData("electra")]
    public void Evaluating_a_pretraining_run_reproduces_its_final_val_loss_exactly(string objective)
    {
        using var folder = TestPaths.NewTempFolder();
        var run = Pretrain(folder, objective);

        var (_, json) = Evaluate("--from", run);

        Assert.Equal(SummaryValLoss(run), json.GetProperty("val_loss").GetDouble()); // ==, bit for bit
        Assert.Equal(objective, json.GetProperty("objective").GetString());
        Assert.EndsWith("(validation split)", json.GetProperty("data").GetString());
        Assert.Single(Directory.GetFiles(Path.Combine(run, "evaluations")));
        Assert.Contains(Directory.GetDirectories(folder.Path), d => Path.GetFileName(d).StartsWith("evaluate-", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluating_a_pretraining_run_twice_gives_identical_numbers()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = Pretrain(folder, "mlm"); // random masks: the case where a fresh generator per evaluation matters

        var (firstText, first) = Evaluate("--from", run);
        var (secondText, second) = Evaluate("--from", run);

        Assert.Equal(first.GetProperty("val_loss").GetDouble(), second.GetProperty("val_loss").GetDouble());
        Assert.Equal(first.GetProperty("masked_token_perplexity").GetDouble(), second.GetProperty("masked_token_perplexity").GetDouble());
        Assert.Equal(first.GetProperty("tokens_scored").GetInt64(), second.GetProperty("tokens_scored").GetInt64());
        Assert.Equal(firstText, secondText);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(run, "evaluations")).Length);
    }

    [Fact]
    public void Evaluating_text_gives_a_finite_perplexity_and_a_higher_word_level_perplexity()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = Pretrain(folder, "clm");
        var text = folder.File("unseen.txt");
        File.WriteAllText(text, Shakespeare[40000..44000]);

        var (output, json) = Evaluate("--from", run, "--data", text);

        double loss = json.GetProperty("val_loss").GetDouble(), perplexity = json.GetProperty("perplexity").GetDouble();
        double wordPerplexity = json.GetProperty("word_perplexity").GetDouble();
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
        Assert.Equal(Math.Exp(loss), perplexity, 12);
        Assert.True(double.IsFinite(wordPerplexity), $"word-level perplexity {wordPerplexity}");
        Assert.InRange(json.GetProperty("words_per_token").GetDouble(), 0.05, 0.5); // characters: several tokens per word
        Assert.True(wordPerplexity > perplexity, $"word-level {wordPerplexity} <= token-level {perplexity}");
        long windows = json.GetProperty("windows").GetInt64();
        Assert.InRange(windows, 100, 4000 / 32); // every full window of the text: about 4,000 characters and EOS tokens, 32 targets each
        Assert.Equal(windows * 32, json.GetProperty("tokens_scored").GetInt64());
        Assert.Equal(Path.GetFullPath(text), json.GetProperty("data").GetString());
        Assert.Contains("perplexity: ", output);
        Assert.Contains("word-level perplexity: ", output);
    }

    [Fact]
    public void Evaluating_a_classifier_with_json_prints_accuracy_and_loss()
    {
        using var folder = TestPaths.NewTempFolder();
        var pretrain = Pretrain(folder, "clm");
        var labelled = folder.File("reviews.tsv");
        var pos = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(60).Select(l => $"{l.Replace('\t', ' ')}\tpos");
        var neg = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(60).Select(l => $"{l.Replace('\t', ' ')}\tneg");
        File.WriteAllLines(labelled, ["text\tlabel", .. pos.Zip(neg).SelectMany(p => new[] { p.First, p.Second })]);
        var finetune = folder.File("ft");
        var (exit, output, error) = CliRunner.Run("finetune", "--data", labelled, "--from", pretrain, "--out", finetune, "--trainer.max-steps", "2", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);

        var (text, json) = Evaluate("--from", finetune, "--data", labelled);

        Assert.InRange(json.GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.True(double.IsFinite(json.GetProperty("loss").GetDouble()));
        Assert.Equal(120, json.GetProperty("examples").GetInt32());
        Assert.Contains("test/accuracy", text); // the table is still printed above the JSON line
    }

    [Fact]
    public void Evaluate_names_the_folder_or_file_that_is_wrong()
    {
        using var folder = TestPaths.NewTempFolder();
        var notRun = CliRunner.Run("evaluate", "--from", folder.Path);
        Assert.Equal(2, notRun.Exit);
        Assert.Contains($"{folder.Path} is not a Flint run folder", notRun.Output + notRun.Error);

        var unfinished = folder.File("unfinished");
        Directory.CreateDirectory(unfinished);
        File.WriteAllText(Path.Combine(unfinished, "config.yaml"), "kind: pretrain\nobjective: clm\nmodel:\n  preset: nano\n");
        var noCheckpoint = CliRunner.Run("evaluate", "--from", unfinished);
        Assert.Equal(2, noCheckpoint.Exit);
        Assert.Contains($"{unfinished} has no checkpoint to evaluate", noCheckpoint.Output + noCheckpoint.Error);

        var missing = CliRunner.Run("evaluate", "--from", unfinished, "--data", folder.File("nope.txt"));
        Assert.Equal(2, missing.Exit);
        Assert.Contains($"--data {folder.File("nope.txt")}: no such file or folder", missing.Output + missing.Error);
    }

    [Fact]
    public void Evaluating_a_classifier_cuts_texts_at_the_length_it_was_fine_tuned_with()
    {
        using var folder = TestPaths.NewTempFolder();
        var pre = Pretrain(folder, "clm");
        var reviews = (string name, Func<string, string> text) =>
        {
            var path = folder.File(name);
            var pos = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(40).Select(l => $"{text(l.Replace('\t', ' '))}\tpos");
            var neg = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(40).Select(l => $"{text(l.Replace('\t', ' '))}\tneg");
            File.WriteAllLines(path, ["text\tlabel", .. pos, .. neg]);
            return path;
        };
        var whole = reviews("whole.tsv", t => t);
        var ft = folder.File("ft");
        var (exit, output, error) = CliRunner.Run("finetune", "--data", whole, "--from", pre, "--out", ft, "--data.max-length", "8",
            "--trainer.max-steps", "2", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);

        // One id per character and an end-of-text token: at max length 8 the classifier sees the first 7 characters.
        var cut = reviews("cut.tsv", t => t[..Math.Min(7, t.Length)]);
        var (_, onWhole) = Evaluate("--from", ft, "--data", whole);
        var (_, onCut) = Evaluate("--from", ft, "--data", cut);

        Assert.Equal(onCut.GetProperty("loss").GetDouble(), onWhole.GetProperty("loss").GetDouble());
        Assert.Equal(onCut.GetProperty("accuracy").GetDouble(), onWhole.GetProperty("accuracy").GetDouble());
    }
}
