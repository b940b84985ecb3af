using System.Text.Json;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Tests.Cli;
using Flint.Tests.Workflow;
using Flint.Workflow;
using Flint.Workflow.Specs;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary><c>--from</c> a HuggingFace BERT folder: recognised from config.json, unused heads listed, never errors.</summary>
public sealed class HuggingFaceBertTests
{
    [Fact]
    public void A_bert_for_pretraining_folder_loads_with_its_pooler_and_nsp_head_reported_as_not_used()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(5);
        var config = ModelPresets.Get("bert-nano").ToBert(30522, dropout: 0);
        var reference = new Bert(config);
        reference.eval();
        // BertForPreTraining's file: bert.* body, cls.predictions (MLM, decoder tied), cls.seq_relationship (NSP), bert.pooler.
        var tensors = reference.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        tensors.AddRange([("bert.pooler.dense.weight", zeros(32, 32)), ("bert.pooler.dense.bias", zeros(32)),
            ("cls.seq_relationship.weight", zeros(2, 32)), ("cls.seq_relationship.bias", zeros(2)),
            ("cls.predictions.decoder.weight", reference.WordEmbeddings), ("bert.embeddings.position_ids", arange(64).unsqueeze(0))]);
        Safetensors.Write(folder.File("model.safetensors"), tensors);
        HfBertConfig.From(config, "BertForPreTraining").Write(folder.File("config.json"));
        File.Copy(TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt"), folder.File("vocab.txt"));

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });
        Assert.Contains("missing 0, unexpected 0, mismatched 0, not used 4", source.LoadReport);
        Assert.Contains("not used   cls.seq_relationship.weight", source.LoadReport);
        var bert = Assert.IsType<Bert>(source.Body);
        bert.eval();
        using var noGrad = no_grad();
        var ids = randint(0, 30522, [2, 9]);
        Assert.True(bert.Encode(ids).allclose(reference.Encode(ids)));
    }

    [Fact]
    public void A_bert_config_with_an_activation_flint_lacks_is_refused_naming_the_file_and_field()
    {
        using var folder = TestPaths.NewTempFolder();
        var config = HfBertConfig.From(ModelPresets.Get("bert-nano").ToBert(30522)) with { HiddenAct = "relu" };
        config.Write(folder.File("config.json"));
        Safetensors.Write(folder.File("model.safetensors"), [("embeddings.word_embeddings.weight", zeros(2, 2))]);
        var error = Assert.Throws<InvalidDataException>(() => PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path }));
        Assert.Contains($"{folder.File("config.json")}: hidden_act is 'relu'", error.Message);
    }

    [Fact]
    public void Finetune_from_the_imported_minilm_folder_trains_and_tests_through_the_cli()
    {
        using var folder = TestPaths.NewTempFolder();
        var imported = folder.File("minilm");
        var (exit, output, error) = CliRunner.Run("import-onnx", MiniLmPackage.Model, "--vocab", MiniLmPackage.Vocab, "--out", imported);
        Assert.True(exit == 0, output + error);
        Assert.Contains("6 layers × 12 heads × width 384", output);

        var run = folder.File("ft");
        (exit, output, error) = CliRunner.Run("finetune", "--from", imported, "--data", CliWorkflowTests.Labelled(folder, perClass: 40), "--out", run,
            "--trainer.max-steps", "4", "--data.batch-size", "8", "--data.max-length", "32", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        Assert.Contains("HuggingFace BERT from", output);
        Assert.Contains("not used   bert.pooler.dense.weight", output);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;
        Assert.InRange(summary.GetProperty("test_accuracy").GetDouble(), 0, 1);
    }
}
