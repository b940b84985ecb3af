using System.Security.Cryptography;
using Flint.Checkpoints;
using Flint.Models;
using static TorchSharp.torch;

namespace Flint.Tests.Checkpoints;

public sealed class WeightLoadingTests
{
    static Dictionary<string, Tensor> HfGpt2Layout(Gpt model)
    {
        // What HuggingFace's GPT2LMHeadModel writes: Conv1D weights transposed, the causal-mask buffer, a tied lm_head.
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict())
        {
            bool conv = name.EndsWith("c_attn.weight", StringComparison.Ordinal) || name.EndsWith("c_proj.weight", StringComparison.Ordinal) || name.EndsWith("c_fc.weight", StringComparison.Ordinal);
            tensors[name] = conv ? t.t().contiguous() : t;
        }
        tensors["transformer.h.0.attn.bias"] = ones(1, 1, 32, 32);
        tensors["lm_head.weight"] = model.state_dict()["transformer.wte.weight"];
        return tensors;
    }

    [Fact]
    public void A_gpt2_file_in_huggingface_layout_loads_by_name_and_gives_the_same_outputs()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(1);
        var source = new Gpt(GptConfig.Nano(64));
        Safetensors.Write(folder.File("model.safetensors"), HfGpt2Layout(source).Select(kv => (kv.Key, kv.Value)));
        manual_seed(2);
        var target = new Gpt(GptConfig.Nano(64));
        var report = HuggingFaceWeights.LoadGpt2(target, new HfWeightFile(folder.File("model.safetensors")));
        Assert.True(report.IsExact, report.Describe());
        var tokens = randint(0, 64, [2, 10]);
        using var noGrad = no_grad();
        Assert.True(target.call(tokens).allclose(source.call(tokens)));
    }

    [Fact]
    public void A_bert_file_without_the_prefix_and_with_gamma_beta_names_loads()
    {
        using var folder = TestPaths.NewTempFolder();
        manual_seed(3);
        var source = new Bert(ModelPresets.Get("bert-nano").ToBert(64));
        var hf = source.state_dict().ToDictionary(
            kv => kv.Key.StartsWith("bert.", StringComparison.Ordinal) ? kv.Key[5..].Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta") : kv.Key,
            kv => kv.Value);
        hf["cls.predictions.decoder.weight"] = source.WordEmbeddings;
        hf["embeddings.position_ids"] = arange(64).unsqueeze(0);
        Safetensors.Write(folder.File("bert.safetensors"), hf.Select(kv => (kv.Key, kv.Value)));
        var target = new Bert(ModelPresets.Get("bert-nano").ToBert(64));
        Assert.True(HuggingFaceWeights.LoadBert(target, new HfWeightFile(folder.File("bert.safetensors"))).IsExact);
        Assert.True(target.WordEmbeddings.allclose(source.WordEmbeddings));
    }

    [Fact]
    public void Wrong_shapes_dtypes_and_unknown_keys_are_all_reported_and_nothing_is_copied()
    {
        using var folder = TestPaths.NewTempFolder();
        var model = new Gpt(GptConfig.Nano(64));
        var tensors = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        tensors["transformer.wpe.weight"] = zeros(16, 32);                           // wrong shape
        tensors["transformer.ln_f.weight"] = ones(32, ScalarType.Float64);           // wrong dtype
        tensors["transformer.extra.weight"] = zeros(3);                               // unknown
        tensors.Remove("transformer.h.1.mlp.c_fc.bias");                               // missing
        Safetensors.Write(folder.File("bad.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
        var fresh = new Gpt(GptConfig.Nano(64));
        var before = fresh.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var error = Assert.Throws<WeightLoadException>(() => WeightLoader.LoadFile(fresh, folder.File("bad.safetensors")));
        Assert.Contains("mismatch   transformer.wpe.weight  module F32 [32, 32], file F32 [16, 32]", error.Message);
        Assert.Contains("mismatch   transformer.ln_f.weight  module F32 [32], file F64 [32]", error.Message);
        Assert.Contains("unexpected transformer.extra.weight", error.Message);
        Assert.Contains("missing    transformer.h.1.mlp.c_fc.bias", error.Message);
        Assert.All(fresh.state_dict(), kv => Assert.True(kv.Value.allclose(before[kv.Key]), $"{kv.Key} changed"));

        var partial = WeightLoader.LoadFile(fresh, folder.File("bad.safetensors"), strict: false);
        Assert.Equal(2, partial.Mismatched.Count);
        Assert.True(fresh.state_dict()["transformer.wte.weight"].allclose(model.state_dict()["transformer.wte.weight"]));
    }

    [Fact]
    public void Truncated_and_corrupted_files_are_rejected_with_the_file_named()
    {
        using var folder = TestPaths.NewTempFolder();
        var model = new Gpt(GptConfig.Nano(64));
        var path = folder.File("m.safetensors");
        WeightLoader.SaveFile(model, path);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(folder.File("truncated.safetensors"), bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<InvalidDataException>(() => Safetensors.Read(folder.File("truncated.safetensors")));
        Assert.Contains("truncated.safetensors is not a valid safetensors file", truncated.Message);
        Assert.Contains("outside the", truncated.Message);

        var badHeader = (byte[])bytes.Clone();
        badHeader[8] = (byte)'x'; // the header's opening brace
        File.WriteAllBytes(folder.File("header.safetensors"), badHeader);
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => Safetensors.Read(folder.File("header.safetensors"))).Message);

        File.WriteAllBytes(folder.File("tiny.safetensors"), [1, 2, 3]);
        Assert.Contains("shorter than the 8-byte header length", Assert.Throws<InvalidDataException>(() => Safetensors.Read(folder.File("tiny.safetensors"))).Message);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Objectives_and_classifiers_save_their_body_once_and_checkpoints_with_the_old_alias_still_load()
    {
        // Each objective and the classifier kept a second field for their body, so every checkpoint held it twice (model.*
        // or body.*, and _encoder.*): twice the bytes on disk for every save.
        manual_seed(4);
        var objective = new Flint.Objectives.CausalLmObjective(new Gpt(GptConfig.Nano(64)));
        var classifier = new Flint.Finetuning.SequenceClassifier(new Gpt(GptConfig.Nano(64)), new Flint.Finetuning.ClassifierOptions(2));
        foreach (nn.Module module in new nn.Module[] { objective, classifier })
            Assert.DoesNotContain(module.state_dict().Keys, k => k.StartsWith("_encoder.", StringComparison.Ordinal));

        // A checkpoint in the old layout: the same tensors again under _encoder.*. It loads strictly, value for value.
        using var folder = TestPaths.NewTempFolder();
        var old = objective.state_dict().Select(kv => (kv.Key, kv.Value))
            .Concat(objective.state_dict().Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).Select(kv => ("_encoder." + kv.Key["model.".Length..], kv.Value))).ToList();
        Safetensors.Write(folder.File("old.safetensors"), old);
        manual_seed(5);
        var fresh = new Flint.Objectives.CausalLmObjective(new Gpt(GptConfig.Nano(64)));
        var report = WeightLoader.LoadFile(fresh, folder.File("old.safetensors"), strict: true);
        Assert.True(report.IsExact && report.NotUsed.Count == 0, report.Describe());
        foreach (var (key, t) in objective.state_dict()) Assert.True(fresh.state_dict()[key].eq(t).all().item<bool>(), key);

        // An _encoder.* tensor that is not its twin's copy is no alias: a strict load names it and loads nothing.
        var tampered = old.Select(kv => kv.Item1 == "_encoder.transformer.wte.weight" ? (kv.Item1, kv.Item2 + 1) : kv).ToList();
        Safetensors.Write(folder.File("tampered.safetensors"), tampered);
        var error = Assert.Throws<WeightLoadException>(() => WeightLoader.LoadFile(fresh, folder.File("tampered.safetensors"), strict: true));
        Assert.Contains("_encoder.transformer.wte.weight", error.Message);
    }
}
