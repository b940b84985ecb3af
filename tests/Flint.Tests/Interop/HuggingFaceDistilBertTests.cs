using System.Text.Json;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Workflow;
using Flint.Workflow.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary>
/// <c>--from</c> a HuggingFace DistilBERT folder, written in exactly HF's DistilBertForMaskedLM layout: loads into Flint's
/// BERT (no token types), and its hidden states equal DistilBERT's forward computed directly from the HF-named tensors.
/// </summary>
public sealed class HuggingFaceDistilBertTests
{
    const int Vocab = 30522;

    /// <summary>DistilBERT's forward (HF's modeling_distilbert, eval mode) on the file's tensors, by their HF names.</summary>
    static Tensor DistilBertForward(IReadOnlyDictionary<string, Tensor> w, Tensor ids, int layers, int heads)
    {
        Tensor W(string name) => w["distilbert." + name];
        var (b, t) = (ids.shape[0], ids.shape[1]);
        var x = W("embeddings.word_embeddings.weight")[ids] + W("embeddings.position_embeddings.weight")[arange(t)];
        long d = x.shape[2], hs = d / heads;
        x = nn.functional.layer_norm(x, [d], W("embeddings.LayerNorm.weight"), W("embeddings.LayerNorm.bias"), 1e-12);
        for (int i = 0; i < layers; i++)
        {
            string p = $"transformer.layer.{i}.";
            Tensor Heads(string lin) => nn.functional.linear(x, W(p + $"attention.{lin}.weight"), W(p + $"attention.{lin}.bias")).view(b, t, heads, hs).transpose(1, 2); // (B, nh, T, hs)
            var (q, k, v) = (Heads("q_lin") / Math.Sqrt(hs), Heads("k_lin"), Heads("v_lin"));
            var context = q.matmul(k.transpose(-2, -1)).softmax(-1).matmul(v).transpose(1, 2).reshape(b, t, d); // (B, T, C)
            var attended = nn.functional.linear(context, W(p + "attention.out_lin.weight"), W(p + "attention.out_lin.bias"));
            x = nn.functional.layer_norm(attended + x, [d], W(p + "sa_layer_norm.weight"), W(p + "sa_layer_norm.bias"), 1e-12);
            var hidden = nn.functional.gelu(nn.functional.linear(x, W(p + "ffn.lin1.weight"), W(p + "ffn.lin1.bias")));
            var ffn = nn.functional.linear(hidden, W(p + "ffn.lin2.weight"), W(p + "ffn.lin2.bias"));
            x = nn.functional.layer_norm(ffn + x, [d], W(p + "output_layer_norm.weight"), W(p + "output_layer_norm.bias"), 1e-12);
        }
        return x;
    }

    /// <summary>Random tensors with DistilBertForMaskedLM's names and shapes.</summary>
    static Dictionary<string, Tensor> DistilBertFile(int width, int layers, int feedForward, int positions)
    {
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Add(string name, params long[] shape) => w[name] = (randn(shape) * 0.1f).contiguous();
        void Linear(string name, long output, long input) { Add(name + ".weight", output, input); Add(name + ".bias", output); }
        void Norm(string name) { w[name + ".weight"] = (ones(width) + randn(width) * 0.1f).contiguous(); Add(name + ".bias", width); }
        Add("distilbert.embeddings.word_embeddings.weight", Vocab, width);
        Add("distilbert.embeddings.position_embeddings.weight", positions, width);
        Norm("distilbert.embeddings.LayerNorm");
        for (int i = 0; i < layers; i++)
        {
            var p = $"distilbert.transformer.layer.{i}.";
            foreach (var lin in new[] { "q_lin", "k_lin", "v_lin", "out_lin" }) Linear(p + "attention." + lin, width, width);
            Norm(p + "sa_layer_norm");
            Linear(p + "ffn.lin1", feedForward, width);
            Linear(p + "ffn.lin2", width, feedForward);
            Norm(p + "output_layer_norm");
        }
        Linear("vocab_transform", width, width);
        Norm("vocab_layer_norm");
        w["vocab_projector.weight"] = w["distilbert.embeddings.word_embeddings.weight"]; // tied, as HF writes it
        Add("vocab_projector.bias", Vocab);
        return w;
    }

    [Fact]
    public void A_distilbert_for_masked_lm_folder_loads_and_its_hidden_states_equal_distilberts_forward()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(11);
        const int width = 32, layers = 2, heads = 4, feedForward = 64, positions = 64;
        var tensors = DistilBertFile(width, layers, feedForward, positions);
        Safetensors.Write(folder.File("model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
        File.WriteAllText(folder.File("config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["architectures"] = new[] { "DistilBertForMaskedLM" }, ["model_type"] = "distilbert", ["vocab_size"] = Vocab, ["dim"] = width,
            ["n_layers"] = layers, ["n_heads"] = heads, ["hidden_dim"] = feedForward, ["activation"] = "gelu", ["max_position_embeddings"] = positions,
            ["dropout"] = 0.1, ["attention_dropout"] = 0.1, ["sinusoidal_pos_embds"] = false, ["pad_token_id"] = 0,
        }));
        File.Copy(TestPaths.Data("vocab", "bert-base-uncased", "vocab.txt"), folder.File("vocab.txt"));

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });

        Assert.Contains("loaded 41, missing 0, unexpected 0, mismatched 0", source.LoadReport); // every tensor (the MLM head too; the tied projector is not a parameter)
        var bert = Assert.IsType<Bert>(source.Body);
        bert.eval();
        using var noGrad = no_grad();
        var ids = randint(0, Vocab, [2, 9]);
        var expected = DistilBertForward(tensors, ids, layers, heads);
        var found = bert.Encode(ids);
        Assert.Equal(expected.shape, found.shape);
        Assert.True((found - expected).abs().max().item<float>() < 1e-5f, $"max abs difference {(found - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void A_distilbert_config_with_another_activation_is_refused_naming_the_file_and_field()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("config.json"), """{"model_type": "distilbert", "vocab_size": 10, "dim": 8, "n_layers": 1, "n_heads": 2, "hidden_dim": 16, "activation": "relu"}""");
        var error = Assert.Throws<InvalidDataException>(() => HfDistilBertConfig.Read(folder.File("config.json")));
        Assert.Contains("config.json", error.Message);
        Assert.Contains("activation is 'relu'", error.Message);
    }
}
