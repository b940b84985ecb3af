using Flint.Tests.Cli;

namespace Flint.Tests.Interop;

/// <summary><c>--from</c> a Flint pretraining run: what the checkpoint holds beyond the body is listed as not used, never dropped silently.</summary>
public sealed class FlintCheckpointSourceTests
{
    [Fact]
    public void Finetuning_from_an_electra_run_lists_its_generator_as_not_used()
    {
        const string objective = "electra", unused = "generator.*";
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        var pre = folder.File("pre");
        var made = CliRunner.Run("pretrain", "--data", corpus, "--out", pre, "--objective", objective, "--model.preset", "nano", "--tokenizer", "char",
            "--trainer.max-steps", "2", "--data.batch-size", "4", "--trainer.progress", "false");
        Assert.True(made.Exit == 0, made.Output + made.Error);
        var data = folder.File("reviews.tsv");
        var pos = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(30).Select(l => $"{l.Replace('\t', ' ')}\tpos");
        var neg = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(30).Select(l => $"{l.Replace('\t', ' ')}\tneg");
        File.WriteAllLines(data, ["text\tlabel", .. pos, .. neg]);

        var (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", pre, "--out", folder.File("ft"), "--trainer.max-steps", "1", "--trainer.progress", "false");

        Assert.True(exit == 0, output + error);
        var body = output.Split('\n').Single(l => l.StartsWith("Body: ", StringComparison.Ordinal));
        Assert.Contains("not used: ", body);
        Assert.Contains($"{unused} (26 tensors)", body[body.IndexOf("not used: ", StringComparison.Ordinal)..]);
    }
}
