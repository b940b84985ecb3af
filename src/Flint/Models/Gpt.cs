using Flint.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Models;

/// <summary>A GPT-style decoder's shape. Parameter names in <see cref="Gpt"/> match HuggingFace GPT-2's, so weights load by name.</summary>
/// <param name="VocabSize">Token vocabulary size.</param>
/// <param name="ContextLength">Longest sequence the position embedding covers.</param>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads per block; must divide <paramref name="Width"/>.</param>
/// <param name="Width">Model width (embedding size).</param>
/// <param name="Dropout">Dropout on embeddings, attention and residual branches (0 for the fastest, reproducible runs).</param>
/// <param name="Bias">Biases in linear layers and norms (GPT-2 has them).</param>
public sealed record GptConfig(int VocabSize, int ContextLength, int Layers, int Heads, int Width, double Dropout = 0.0, bool Bias = true)
{
    /// <summary>A few thousand parameters: for tests.</summary>
    public static GptConfig Nano(int vocabSize = 64) => new(vocabSize, 32, 2, 2, 32);

    /// <summary>nanoGPT's CPU shakespeare-char config: 4 layers, 4 heads, width 128, context 64.</summary>
    public static GptConfig CharSmall(int vocabSize = 65) => new(vocabSize, 64, 4, 4, 128);

    /// <summary>The benchmark/demo size: 4 layers, 4 heads, width 256, context 128.</summary>
    public static GptConfig Small(int vocabSize) => new(vocabSize, 128, 4, 4, 256);

    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("model")
        .Check(VocabSize < 2, nameof(VocabSize), $"must be at least 2, got {VocabSize}.")
        .Check(ContextLength < 1, nameof(ContextLength), $"must be at least 1, got {ContextLength}.")
        .Check(Layers < 1, nameof(Layers), $"must be at least 1, got {Layers}.")
        .Check(Heads < 1 || Width % Math.Max(1, Heads) != 0, nameof(Heads), $"must be positive and divide Width ({Width}), got {Heads}.")
        .Check(Dropout is < 0 or >= 1, nameof(Dropout), $"must be in [0, 1), got {Dropout}.")
        .ThrowIfInvalid();

    /// <summary>Parameters, counting the tied output embedding once.</summary>
    public long ParameterCount =>
        (long)VocabSize * Width + (long)ContextLength * Width
        + Layers * (12L * Width * Width + (Bias ? 13L * Width : 4L * Width))
        + (Bias ? 2L : 1L) * Width;

    /// <summary>
    /// Training FLOPs per token at full context: 6 per weight (forward 2, backward 4) over the non-position parameters,
    /// plus attention's 12·L·width·T (PaLM appendix B, as nanoGPT's estimate_mfu).
    /// </summary>
    public double FlopsPerToken => 6.0 * (ParameterCount - (long)ContextLength * Width) + 12.0 * Layers * Width * ContextLength;
}

/// <summary>Multi-head causal self-attention with one fused QKV projection (fewer, larger matmuls) and libtorch's fused SDPA kernel.</summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    readonly Linear c_attn, c_proj;
    readonly Dropout resid_dropout;
    readonly int _heads;
    readonly double _dropout;

    /// <summary>Creates the layer.</summary>
    public CausalSelfAttention(GptConfig config) : base("attn")
    {
        c_attn = nn.Linear(config.Width, 3 * config.Width, hasBias: config.Bias);
        c_proj = nn.Linear(config.Width, config.Width, hasBias: config.Bias);
        resid_dropout = nn.Dropout(config.Dropout);
        _heads = config.Heads;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    /// <summary>(B, T, C) → (B, T, C), each position attending to itself and earlier positions only.</summary>
    public override Tensor forward(Tensor x)
    {
        var (b, t, c) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkv = c_attn.call(x).view(b, t, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4); // (3, B, H, T, D)
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        var y = F.scaled_dot_product_attention(q, k, v, p: training ? _dropout : 0.0, is_casual: true); // (B, H, T, D)
        y = y.transpose(1, 2).contiguous().view(b, t, c);
        return resid_dropout.call(c_proj.call(y));
    }
}

/// <summary>The position-wise feed-forward network: width → 4·width → width with GELU.</summary>
public sealed class GptMlp : nn.Module<Tensor, Tensor>
{
    readonly Linear c_fc, c_proj;
    readonly GELU gelu;
    readonly Dropout dropout;

    /// <summary>Creates the layer.</summary>
    public GptMlp(GptConfig config) : base("mlp")
    {
        c_fc = nn.Linear(config.Width, 4 * config.Width, hasBias: config.Bias);
        gelu = nn.GELU();
        c_proj = nn.Linear(4 * config.Width, config.Width, hasBias: config.Bias);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => dropout.call(c_proj.call(gelu.call(c_fc.call(x))));
}

/// <summary>A pre-LayerNorm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)).</summary>
public sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm ln_1, ln_2;
    readonly CausalSelfAttention attn;
    readonly GptMlp mlp;

    /// <summary>Creates the block.</summary>
    public GptBlock(GptConfig config) : base("block")
    {
        ln_1 = nn.LayerNorm(config.Width);
        attn = new CausalSelfAttention(config);
        ln_2 = nn.LayerNorm(config.Width);
        mlp = new GptMlp(config);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        x = x + attn.call(ln_1.call(x));
        return x + mlp.call(ln_2.call(x));
    }
}

/// <summary>The body: token and position embeddings, the blocks, the final norm (HF's <c>transformer.*</c>).</summary>
public sealed class GptBody : nn.Module<Tensor, Tensor>
{
    readonly Embedding wte, wpe;
    readonly Dropout drop;
    readonly ModuleList<GptBlock> h;
    readonly LayerNorm ln_f;

    /// <summary>Creates the body.</summary>
    public GptBody(GptConfig config) : base("transformer")
    {
        wte = nn.Embedding(config.VocabSize, config.Width);
        wpe = nn.Embedding(config.ContextLength, config.Width);
        drop = nn.Dropout(config.Dropout);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config)).ToArray());
        ln_f = nn.LayerNorm(config.Width);
        RegisterComponents();
    }

    /// <summary>The token embedding matrix (V, C), also the tied output projection.</summary>
    public Parameter TokenEmbedding => wte.weight!;

    /// <summary>(B, T) token ids → (B, T, C) hidden states.</summary>
    public override Tensor forward(Tensor idx)
    {
        var positions = arange(idx.shape[1], dtype: ScalarType.Int64, device: idx.device);
        var x = drop.call(wte.call(idx) + wpe.call(positions)); // (B, T, C)
        foreach (var block in h) x = block.call(x);
        return ln_f.call(x);
    }
}

/// <summary>
/// A GPT-2-style causal language model in one file: config, attention, MLP, block, model. The output projection is tied
/// to the token embedding (computed as a matmul with <c>wte.weight</c>, so the parameter is registered and updated once).
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>
{
    readonly GptBody transformer;

    /// <summary>Builds the model with GPT-2's initialisation (N(0, 0.02); residual projections scaled by 1/√(2·layers)).</summary>
    public Gpt(GptConfig config) : base("gpt")
    {
        config.Validate();
        Config = config;
        transformer = new GptBody(config);
        RegisterComponents();
        Initialise();
    }

    /// <summary>The shape.</summary>
    public GptConfig Config { get; }

    /// <summary>The body, for heads that reuse it (classification fine-tuning).</summary>
    public GptBody Body => transformer;

    /// <summary>(B, T) token ids → (B, T, V) next-token logits.</summary>
    public override Tensor forward(Tensor idx)
    {
        if (idx.shape[1] > Config.ContextLength)
            throw new ArgumentException($"Sequence length {idx.shape[1]} exceeds the model's context length {Config.ContextLength}.", nameof(idx));
        return F.linear(transformer.call(idx), transformer.TokenEmbedding);
    }

    void Initialise()
    {
        using var noGrad = no_grad();
        double residualStd = 0.02 / Math.Sqrt(2 * Config.Layers);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(p);
            else if (name.Contains(".ln_", StringComparison.Ordinal)) nn.init.ones_(p);
            else nn.init.normal_(p, 0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02);
        }
    }
}
