using Flint.Models;
using static TorchSharp.torch;

namespace Flint.Tests.Models;

public sealed class ModelCorrectnessTests
{
    static BertConfig TinyBert => ModelPresets.Get("bert-nano").ToBert(50, dropout: 0.0);

    [Fact]
    public void Padding_never_changes_a_bert_encoders_real_positions()
    {
        manual_seed(1);
        var bert = new Bert(TinyBert);
        bert.eval();
        using var noGrad = no_grad();
        var tokens = randint(5, 50, [2, 7]);
        var alone = bert.Encode(tokens, ones(2, 7, ScalarType.Int64));
        var padded = cat([tokens, zeros(2, 5, ScalarType.Int64)], 1);
        var mask = cat([ones(2, 7, ScalarType.Int64), zeros(2, 5, ScalarType.Int64)], 1);
        var withPadding = bert.Encode(padded, mask);
        Assert.True(withPadding[.., ..7].allclose(alone, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Bert_is_bidirectional_and_the_tutorial_model_is_causal()
    {
        manual_seed(2);
        var bert = new Bert(TinyBert);
        var tutorial = new TutorialTransformer(new TutorialConfig(50, 16, 2, 2, 16, 32, 0.0));
        bert.eval();
        tutorial.eval();
        using var noGrad = no_grad();
        var tokens = randint(5, 50, [1, 8]);
        var changed = tokens.clone();
        changed[0, 6] = (changed[0, 6] + 1) % 50;
        Assert.False(bert.Encode(tokens)[.., ..6].allclose(bert.Encode(changed)[.., ..6], rtol: 0, atol: 1e-6));
        Assert.True(tutorial.Encode(tokens)[.., ..6].allclose(tutorial.Encode(changed)[.., ..6], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Kv_cache_generation_equals_uncached_generation()
    {
        manual_seed(3);
        var gpt = new Gpt(GptConfig.Nano(64));
        long[] prompt = [1, 2, 3, 4];
        var cached = gpt.Generate(prompt, 20, temperature: 0);
        var uncached = gpt.Generate(prompt, 20, temperature: 0, useCache: false);
        Assert.Equal(uncached, cached);
        Assert.Equal(24, cached.Length);
        var sampledA = gpt.Generate(prompt, 20, temperature: 1.0, topK: 10, topP: 0.9, seed: 7);
        var sampledB = gpt.Generate(prompt, 20, temperature: 1.0, topK: 10, topP: 0.9, seed: 7, useCache: false);
        Assert.Equal(sampledA, sampledB);
    }

    [Fact]
    public void Generation_stops_at_eos()
    {
        manual_seed(4);
        var gpt = new Gpt(GptConfig.Nano(64));
        var greedy = gpt.Generate([5], 10, temperature: 0);
        var eos = greedy[1];
        Assert.Equal(2, gpt.Generate([5], 10, temperature: 0, eos: eos).Length);
    }

    [Fact]
    public void Top_k_one_is_greedy_and_top_p_keeps_the_most_likely_token()
    {
        var logits = tensor(new float[] { 0.1f, 3f, 0.2f, 2.9f });
        Assert.Equal(1, Sampling.Next(logits, 1.0, topK: 1, topP: null));
        Assert.Equal(1, Sampling.Next(logits, 1.0, topK: null, topP: 0.01));
        Assert.Equal(1, Sampling.Next(logits, 0, null, null));
    }

    [Fact]
    public void Presets_report_parameters_and_flops_that_match_the_built_models()
    {
        foreach (var name in new[] { "nano", "char-small", "small", "bert-nano" })
        {
            var preset = ModelPresets.Get(name);
            long built = preset.Architecture == Architecture.Gpt ? new Gpt(preset.ToGpt(100)).parameters().Sum(p => p.numel()) : new Bert(preset.ToBert(100)).parameters().Sum(p => p.numel());
            Assert.Equal(preset.Parameters(100), built);
            Assert.True(preset.FlopsPerToken(100) > 6 * built * 0.5);
        }
        var tutorial = ModelPresets.Get("tutorial-50m");
        Assert.InRange(tutorial.Parameters(28996), 45_000_000, 55_000_000);
        Assert.Equal(new TutorialConfig(100, 16, 2, 2, 20, 40).ParameterCount, new TutorialTransformer(new TutorialConfig(100, 16, 2, 2, 20, 40)).parameters().Sum(p => p.numel()));
        Assert.Contains("Presets:", Assert.Throws<ArgumentException>(() => ModelPresets.Get("huge")).Message);
    }

    [Fact]
    public void Tutorial_parameter_names_follow_the_tutorials_pytorch_code()
    {
        var names = new TutorialTransformer(new TutorialConfig(100, 16, 2, 2, 20, 40)).named_parameters().Select(p => p.name).ToHashSet();
        string[] expected = ["transformer.tokens_embeddings.weight", "transformer.position_embeddings.weight", "transformer.attentions.0.in_proj_weight",
            "transformer.attentions.1.out_proj.bias", "transformer.feed_forwards.0.0.weight", "transformer.feed_forwards.1.2.bias",
            "transformer.layer_norms_1.0.weight", "transformer.layer_norms_2.1.bias"];
        Assert.All(expected, n => Assert.Contains(n, names));
        Assert.DoesNotContain(names, n => n.Contains("ln_f", StringComparison.Ordinal)); // no final LayerNorm, as in the tutorial
    }
}
