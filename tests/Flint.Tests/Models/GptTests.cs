using Flint.Models;
using static TorchSharp.torch;

namespace Flint.Tests.Models;

public sealed class GptTests
{
    [Fact]
    public void Parameter_names_match_huggingface_gpt2()
    {
        var model = new Gpt(GptConfig.Nano());
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        string[] expected =
        [
            "transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight", "transformer.ln_f.bias",
            "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
            "transformer.h.0.attn.c_proj.weight", "transformer.h.0.ln_2.weight", "transformer.h.0.mlp.c_fc.weight", "transformer.h.1.mlp.c_proj.bias",
        ];
        Assert.All(expected, name => Assert.Contains(name, names));
        Assert.DoesNotContain(names, n => n.StartsWith("lm_head", StringComparison.Ordinal)); // tied: one parameter, updated once
    }

    [Fact]
    public void The_declared_parameter_count_is_the_real_one()
    {
        foreach (var config in new[] { GptConfig.Nano(), GptConfig.CharSmall(), GptConfig.Small(256) })
            Assert.Equal(config.ParameterCount, new Gpt(config).parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Changing_a_future_token_never_changes_an_earlier_positions_logits()
    {
        manual_seed(0);
        var model = new Gpt(GptConfig.Nano());
        model.eval();
        using var noGrad = no_grad();
        var tokens = randint(0, 64, [2, 16]);
        var changed = tokens.clone();
        changed[.., 10] = (changed[.., 10] + 1) % 64;
        var a = model.call(tokens);
        var b = model.call(changed);
        Assert.True(a[.., ..10].allclose(b[.., ..10], rtol: 0, atol: 1e-6));
        Assert.False(a[.., 10..].allclose(b[.., 10..], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void A_sequence_longer_than_the_context_is_refused_clearly()
    {
        var model = new Gpt(GptConfig.Nano());
        var error = Assert.Throws<ArgumentException>(() => model.call(zeros([1, 33], ScalarType.Int64)));
        Assert.Contains("exceeds the model's context length 32", error.Message);
    }

    [Fact]
    public void A_bad_config_names_its_fields()
    {
        var error = Assert.Throws<Flint.Config.ConfigException>(() => new Gpt(new GptConfig(1, 0, 1, 3, 32)));
        Assert.Contains("VocabSize", error.Message);
        Assert.Contains("ContextLength", error.Message);
        Assert.Contains("Heads: must be positive and divide Width (32), got 3", error.Message);
    }
}
