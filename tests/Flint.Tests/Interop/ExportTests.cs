using Flint.Checkpoints;
using Flint.Models;
using Flint.Tests.Cli;
using Flint.Workflow;
using Flint.Workflow.Specs;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary><c>flint export --format hf</c>, and <c>--from</c> the exported folder giving back the same tensors.</summary>
public sealed class ExportTests
{
    static string Pretrain(TempFolder folder, string objective, string tokenizer)
    {
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        var run = folder.File($"pre-{objective}");
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", corpus, "--out", run, "--objective", objective, "--model.preset", "nano", "--tokenizer", tokenizer,
            "--trainer.max-steps", "2", "--trainer.limit-val-batches", "1", "--data.batch-size", "4", "--trainer.progress", "false", "--seed", "4");
        Assert.True(exit == 0, output + error);
        return run;
    }

    static nn.Module Body(string from) => (nn.Module)PretrainedSource.Resolve(new FinetuneSpec { From = from, Model = new() { Dropout = 0 } }).Body;

    static void AssertIdentical(nn.Module run, nn.Module reimported)
    {
        // Both modules stay referenced here: a collected module frees its parameters.
        var (expected, actual) = (run.state_dict(), reimported.state_dict());
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.All(expected.Keys, key => Assert.True(expected[key].shape.SequenceEqual(actual[key].shape) && expected[key].eq(actual[key]).all().item<bool>(), $"{key} differs"));
        GC.KeepAlive(run);
        GC.KeepAlive(reimported);
    }

    [Fact]
    public void A_gpt_run_exported_to_hf_and_imported_back_has_identical_tensors()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = Pretrain(folder, "clm", "char");
        var exported = folder.File("hf");
        var (exit, output, error) = CliRunner.Run("export", "--from", run, "--format", "hf", "--out", exported);
        Assert.True(exit == 0, output + error);
        Assert.Contains("as GPT2LMHeadModel", output);

        var header = Safetensors.ReadHeader(Path.Combine(exported, "model.safetensors")).Entries.ToDictionary(e => e.Name);
        Assert.Equal([32L, 96L], header["transformer.h.0.attn.c_attn.weight"].Shape); // Conv1D: (in, out)
        var config = HfGpt2Config.Read(Path.Combine(exported, "config.json"));
        Assert.Equal(("gelu", 2, 2, 32), (config.ActivationFunction, config.Layers, config.Heads, config.Width));
        AssertIdentical(Body(run), Body(exported));
    }

    [Fact]
    public void A_bert_run_exported_to_hf_and_imported_back_has_identical_tensors_and_its_wordpiece_files()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = Pretrain(folder, "mlm", "wordpiece:" + TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt"));
        var exported = folder.File("hf");
        var (exit, output, error) = CliRunner.Run("export", "--from", run, "--out", exported);
        Assert.True(exit == 0, output + error);
        Assert.Contains("as BertForMaskedLM", output);
        Assert.Contains("vocab.txt, tokenizer_config.json", output);

        var config = HfBertConfig.Read(Path.Combine(exported, "config.json"));
        Assert.Equal(["BertForMaskedLM"], config.Architectures);
        Assert.Equal(File.ReadAllText(TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt")), File.ReadAllText(Path.Combine(exported, "vocab.txt")));
        AssertIdentical(Body(run), Body(exported));
    }

    [Fact]
    public void Exporting_a_folder_that_is_not_a_run_names_it_and_says_what_export_takes()
    {
        using var folder = TestPaths.NewTempFolder();
        var (exit, output, _) = CliRunner.Run("export", "--from", folder.Path, "--out", folder.File("hf"));
        Assert.Equal(2, exit);
        Assert.Contains($"--from {folder.Path}: not a Flint run folder", output);
    }
}
