using Flint.Checkpoints;
using Flint.Models;
using Flint.Workflow;
using Flint.Workflow.Specs;
using static TorchSharp.torch;

namespace Flint.Tests.Interop;

/// <summary>GPT-2 folders written exactly in HuggingFace's layouts (no published weight file is reachable here).</summary>
public sealed class HuggingFaceGpt2Tests
{
    const int Vocab = 50257; // GPT-2's tokenizer, so --from picks it

    /// <summary>
    /// The tensors HF's GPT-2 classes save for <paramref name="model"/>: Conv1D weights as (in, out), the causal-mask
    /// buffers <c>attn.bias</c> / <c>attn.masked_bias</c>; with <paramref name="lmHead"/> (GPT2LMHeadModel) the
    /// <c>transformer.</c> prefix and the tied <c>lm_head.weight</c>, without it (GPT2Model, the official gpt2 file) bare names.
    /// </summary>
    static List<(string, Tensor)> HfLayout(Gpt model, bool lmHead)
    {
        string[] conv1D = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];
        var tensors = new List<(string, Tensor)>();
        foreach (var (name, t) in model.state_dict())
        {
            var key = lmHead ? name : name["transformer.".Length..];
            tensors.Add((key, conv1D.Any(name.EndsWith) ? t.t().contiguous() : t));
        }
        var prefix = lmHead ? "transformer." : "";
        int t0 = model.Config.ContextLength;
        for (int i = 0; i < model.Config.Layers; i++)
        {
            tensors.Add(($"{prefix}h.{i}.attn.bias", tril(ones(t0, t0)).view(1, 1, t0, t0)));
            tensors.Add(($"{prefix}h.{i}.attn.masked_bias", tensor(-1e4f)));
        }
        if (lmHead) tensors.Add(("lm_head.weight", model.state_dict()["transformer.wte.weight"]));
        return tensors;
    }

    static Gpt Reference(int width, int heads)
    {
        manual_seed(7);
        var model = new Gpt(new GptConfig(Vocab, 16, 2, heads, width, Activation: Activation.GeluNew));
        model.eval();
        return model;
    }

    static void AssertSameLogits(Gpt expected, PretrainedSource source)
    {
        var gpt = Assert.IsType<Gpt>(source.Body);
        gpt.eval();
        Assert.Equal(Activation.GeluNew, gpt.Config.Activation);
        using var noGrad = no_grad();
        var tokens = randint(0, Vocab, [2, 12]);
        Assert.True(gpt.call(tokens).allclose(expected.call(tokens), rtol: 0, atol: 1e-5), source.LoadReport);
    }

    [Fact]
    public void An_official_gpt2_folder_without_the_transformer_prefix_loads_through_from_and_gives_the_same_logits()
    {
        using var folder = TestPaths.NewTempFolder();
        var reference = Reference(width: 48, heads: 4);
        Safetensors.Write(folder.File("model.safetensors"), HfLayout(reference, lmHead: false), new Dictionary<string, string> { ["format"] = "pt" });
        HfGpt2Config.From(reference.Config).Write(folder.File("config.json"));

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });
        Assert.Equal(4, ((Gpt)source.Body).Config.Heads); // from config.json, not guessed
        Assert.Contains("missing 0, unexpected 0, mismatched 0", source.LoadReport);
        AssertSameLogits(reference, source);
    }

    [Fact]
    public void A_gpt2_lm_head_file_without_config_json_is_recognised_by_its_names_with_the_tied_head_and_mask_buffers_dropped()
    {
        using var folder = TestPaths.NewTempFolder();
        var reference = Reference(width: 64, heads: 1); // without config.json heads are width / 64, as in every GPT-2 size
        Safetensors.Write(folder.File("model.safetensors"), HfLayout(reference, lmHead: true));

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });
        Assert.Equal(2, ((Gpt)source.Body).Config.Layers);
        AssertSameLogits(reference, source);
    }

    [Fact]
    public void A_gpt2_pytorch_model_bin_without_config_json_is_recognised_by_its_names_and_gives_the_same_logits()
    {
        using var folder = TestPaths.NewTempFolder();
        var reference = Reference(width: 64, heads: 1);
        // torch.save's zip pickle, written by TorchSharp.PyBridge's pickler (the PyTorch-written fixture is RoBERTa's: HuggingFacePyTorchBinTests).
        var table = new System.Collections.Hashtable();
        foreach (var (name, tensor) in HfLayout(reference, lmHead: false)) table[name] = tensor;
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(folder.File("pytorch_model.bin"), table);

        var source = PretrainedSource.Resolve(new FinetuneSpec { From = folder.Path, Model = new() { Dropout = 0 } });
        Assert.Equal(2, ((Gpt)source.Body).Config.Layers);
        Assert.Contains("missing 0, unexpected 0, mismatched 0", source.LoadReport);
        AssertSameLogits(reference, source);
    }

    [Fact]
    public void Gelu_new_follows_gpt2s_tanh_formula_and_differs_from_exact_gelu()
    {
        var xs = Enumerable.Range(-60, 121).Select(i => i / 10.0).ToArray();
        var expected = xs.Select(x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))).ToArray();
        var actual = GptMlp.GeluNew(tensor(xs)).data<double>().ToArray();
        Assert.All(xs.Select((x, i) => (x, i)), p => Assert.Equal(expected[p.i], actual[p.i], 1e-12));
        var exact = nn.functional.gelu(tensor(xs)).data<double>().ToArray();
        Assert.InRange(xs.Select((_, i) => Math.Abs(exact[i] - actual[i])).Max(), 1e-4, 1e-2); // close to, but not, exact GELU

        Assert.Equal(Activation.Gelu, GptConfig.Nano().Activation); // Flint-trained models keep exact GELU
    }
}
