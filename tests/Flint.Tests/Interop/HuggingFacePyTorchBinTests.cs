using Flint.Checkpoints;
using Flint.Models;
using Flint.Tests.Cli;
using Flint.Tests.Workflow;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary>
/// <c>pytorch_model.bin</c> folders, read through TorchSharp.PyBridge. The fixture (TestData/roberta-tiny) was written by
/// real PyTorch 1.13 (its generator, make_fixture.py, sits beside it): a tiny RobertaForMaskedLM as torch.save wrote it
/// (tied tensors sharing storage), the same tensors as safetensors, and RoBERTa's forward on a padded batch computed in PyTorch.
/// </summary>
public sealed class HuggingFacePyTorchBinTests(ITestOutputHelper output)
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static string Fixture(string name) => TestPaths.TestData(Path.Combine("roberta-tiny", name));

    /// <summary>A copy of the fixture folder with only <paramref name="weights"/> as its weight file.</summary>
    static string FolderWith(TempFolder folder, string weights)
    {
        var path = folder.File(Path.GetFileNameWithoutExtension(weights));
        Directory.CreateDirectory(path);
        foreach (var name in new[] { "config.json", "vocab.json", "merges.txt", weights }) File.Copy(Fixture(name), Path.Combine(path, name));
        return path;
    }

    [Fact]
    public void A_pytorch_model_bin_written_by_pytorch_holds_the_same_tensors_as_the_safetensors_file()
    {
        var fromBin = new HfWeightFile(Fixture("pytorch_model.bin")).Read();
        var fromSafetensors = new HfWeightFile(Fixture("model.safetensors")).Read();

        Assert.Equal(fromSafetensors.Keys.Order(), fromBin.Keys.Where(k => !k.StartsWith("lm_head.decoder.", StringComparison.Ordinal)).Order());
        foreach (var (name, expected) in fromSafetensors)
        {
            Assert.Equal(expected.dtype, fromBin[name].dtype);
            Assert.Equal(expected.shape, fromBin[name].shape);
            Assert.True(Same(expected, fromBin[name]), $"{name} differs");
        }
        Assert.Equal(ScalarType.Int64, fromBin["roberta.embeddings.position_ids"].dtype);
        // The tied decoder shares the word embeddings' storage in the pickle; it must come back as the same values, not as zeros or another slice.
        Assert.True(Same(fromBin["lm_head.decoder.weight"], fromSafetensors["roberta.embeddings.word_embeddings.weight"]));
        Assert.True(Same(fromBin["lm_head.decoder.bias"], fromSafetensors["lm_head.bias"]));
        Assert.True(fromBin["lm_head.bias"].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_roberta_folder_with_only_pytorch_model_bin_loads_through_from_and_equals_pytorchs_forward()
    {
        using var folder = TestPaths.NewTempFolder();
        var binFolder = FolderWith(folder, "pytorch_model.bin");
        var safetensorsFolder = FolderWith(folder, "model.safetensors");

        var fromBin = PretrainedSource.Resolve(new FinetuneSpec { From = binFolder, Model = new() { Dropout = 0 } });
        var fromSafetensors = PretrainedSource.Resolve(new FinetuneSpec { From = safetensorsFolder, Model = new() { Dropout = 0 } });

        Assert.Contains("pytorch_model.bin", Directory.GetFiles(binFolder).Select(Path.GetFileName));
        Assert.Contains("loaded 42, missing 0, unexpected 0, mismatched 0;", fromBin.LoadReport);
        var (bin, safe) = ((Bert)fromBin.Body, (Bert)fromSafetensors.Body);
        foreach (var (name, tensor) in safe.state_dict()) Assert.True(Same(tensor, bin.state_dict()[name]), $"{name} differs between the .bin and .safetensors folders");

        var expected = new HfWeightFile(Fixture("expected.safetensors")).Read();
        bin.eval();
        using var noGrad = no_grad();
        var hidden = bin.Encode(expected["input_ids"], expected["attention_mask"]);
        float hiddenDiff = (hidden - expected["last_hidden_state"]).abs().max().item<float>();
        output.WriteLine($"last hidden state vs PyTorch: max abs difference {hiddenDiff:E2}");
        Assert.True(hiddenDiff < 1e-5f, $"max abs difference {hiddenDiff}");

        var withHead = new Bert(bin.Config);
        Assert.True(HuggingFaceWeights.LoadRoberta(withHead, new HfWeightFile(Path.Combine(binFolder, "pytorch_model.bin"))).IsExact);
        withHead.eval();
        float logitDiff = (withHead.call(expected["input_ids"], expected["attention_mask"]) - expected["logits"]).abs().max().item<float>();
        output.WriteLine($"MLM logits vs PyTorch: max abs difference {logitDiff:E2}");
        Assert.True(logitDiff < 1e-4f, $"max abs difference {logitDiff}");
    }

    [Fact]
    public void Finetune_from_a_pytorch_model_bin_roberta_folder_trains_and_tests_through_the_cli()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("ft");
        var (exit, stdout, stderr) = CliRunner.Run("finetune", "--from", FolderWith(folder, "pytorch_model.bin"), "--data", CliWorkflowTests.Labelled(folder, perClass: 40),
            "--out", run, "--trainer.max-steps", "4", "--data.batch-size", "8", "--data.max-length", "32", "--trainer.progress", "false");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("HuggingFace RoBERTa from", stdout);
        Assert.True(File.Exists(Path.Combine(run, "summary.json")));
    }

    [Fact]
    public void A_pytorch_model_bin_that_is_not_a_state_dict_is_refused_naming_the_file()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("pytorch_model.bin"), "not a zip pickle");
        var error = Assert.Throws<InvalidDataException>(() => new HfWeightFile(folder.File("pytorch_model.bin")).Read());
        Assert.Contains($"{folder.File("pytorch_model.bin")} is not a PyTorch state dict", error.Message);
    }

    [Fact]
    public void A_folder_with_sharded_weights_is_refused_naming_the_index_file()
    {
        using var folder = TestPaths.NewTempFolder();
        File.Copy(Fixture("config.json"), folder.File("config.json"));
        File.WriteAllText(folder.File("model.safetensors.index.json"), """{"weight_map": {"roberta.embeddings.word_embeddings.weight": "model-00001-of-00002.safetensors"}}""");
        var error = Assert.Throws<InvalidDataException>(() => PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path }));
        Assert.Contains($"{folder.File("model.safetensors.index.json")}: the weights are sharded", error.Message);
    }
}
