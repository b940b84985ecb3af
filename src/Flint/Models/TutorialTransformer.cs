using Flint.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Models;

/// <summary>The HuggingFace NAACL 2019 transfer-learning tutorial's transformer shape (its preset: 16 layers, 10 heads, width 410, FFN 2100, context 256).</summary>
/// <param name="VocabSize">Vocabulary size (the tutorial used bert-base-cased's 28,996).</param>
/// <param name="ContextLength">Learned positions.</param>
/// <param name="Layers">Blocks.</param>
/// <param name="Heads">Heads.</param>
/// <param name="Width">Embedding size.</param>
/// <param name="FeedForward">Hidden size of the ReLU feed-forward network.</param>
/// <param name="Dropout">Dropout on embeddings, attention and both residual branches.</param>
public sealed record TutorialConfig(int VocabSize, int ContextLength, int Layers, int Heads, int Width, int FeedForward, double Dropout = 0.1)
{
    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("model")
        .Check(VocabSize < 2, nameof(VocabSize), $"must be at least 2, got {VocabSize}.")
        .Check(Heads < 1 || Width % Math.Max(1, Heads) != 0, nameof(Heads), $"must be positive and divide Width ({Width}), got {Heads}.")
        .ThrowIfInvalid();

    /// <summary>Parameters (tied head counted once).</summary>
    public long ParameterCount =>
        (long)(VocabSize + ContextLength) * Width
        + Layers * (4L * Width * Width + 4L * Width + 2L * Width * FeedForward + FeedForward + Width + 4L * Width);
}

/// <summary>The tutorial's attention, with PyTorch nn.MultiheadAttention's parameter names (one fused in_proj).</summary>
public sealed class TutorialAttention : nn.Module<Tensor, Tensor>
{
    readonly Parameter in_proj_weight, in_proj_bias;
    readonly Linear out_proj;
    readonly int _heads;
    readonly double _dropout;

    /// <summary>Creates the layer.</summary>
    public TutorialAttention(TutorialConfig config) : base("attention")
    {
        in_proj_weight = nn.Parameter(empty(3 * config.Width, config.Width));
        in_proj_bias = nn.Parameter(zeros(3 * config.Width));
        out_proj = nn.Linear(config.Width, config.Width);
        _heads = config.Heads;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    /// <summary>(B, T, C) → (B, T, C) under a causal mask.</summary>
    public override Tensor forward(Tensor x)
    {
        var (b, t, c) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkv = F.linear(x, in_proj_weight, in_proj_bias).view(b, t, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4);
        var y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], p: training ? _dropout : 0.0, is_casual: true);
        return out_proj.call(y.transpose(1, 2).contiguous().view(b, t, c));
    }
}

/// <summary>The tutorial's body (its <c>Transformer</c> class): note the block order, copied exactly.</summary>
public sealed class TutorialBody : nn.Module<Tensor, Tensor>
{
    readonly Embedding tokens_embeddings, position_embeddings;
    readonly Dropout dropout;
    readonly ModuleList<TutorialAttention> attentions;
    readonly ModuleList<Sequential> feed_forwards;
    readonly ModuleList<LayerNorm> layer_norms_1, layer_norms_2;

    /// <summary>Creates the body.</summary>
    public TutorialBody(TutorialConfig config) : base("transformer")
    {
        tokens_embeddings = nn.Embedding(config.VocabSize, config.Width);
        position_embeddings = nn.Embedding(config.ContextLength, config.Width);
        dropout = nn.Dropout(config.Dropout);
        attentions = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TutorialAttention(config)).ToArray());
        feed_forwards = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(_ => nn.Sequential(nn.Linear(config.Width, config.FeedForward), nn.ReLU(), nn.Linear(config.FeedForward, config.Width))).ToArray());
        layer_norms_1 = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => nn.LayerNorm(config.Width, eps: 1e-12)).ToArray());
        layer_norms_2 = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => nn.LayerNorm(config.Width, eps: 1e-12)).ToArray());
        RegisterComponents();
    }

    /// <summary>The token embeddings (tied to the LM head).</summary>
    public Parameter Tokens => tokens_embeddings.weight!;

    /// <summary>(B, T) ids → (B, T, C).</summary>
    public override Tensor forward(Tensor input)
    {
        var positions = arange(input.shape[1], dtype: ScalarType.Int64, device: input.device);
        var h = dropout.call(tokens_embeddings.call(input) + position_embeddings.call(positions));
        for (int i = 0; i < attentions.Count; i++)
        {
            // The tutorial normalises h in place, then adds the sub-layer to the *normalised* input; no final LayerNorm.
            h = layer_norms_1[i].call(h);
            h = dropout.call(attentions[i].call(h)) + h;
            h = layer_norms_2[i].call(h);
            h = dropout.call(feed_forwards[i].call(h)) + h;
        }
        return h;
    }
}

/// <summary>
/// The NAACL 2019 transfer-learning tutorial's model (<c>TransformerWithLMHead</c>): learned positions, post-residual
/// LayerNorm placement, ReLU feed-forward, no final LayerNorm, LM head tied to the token embeddings.
/// </summary>
public sealed class TutorialTransformer : nn.Module<Tensor, Tensor>, ITextEncoder
{
    readonly TutorialBody transformer;

    /// <summary>Builds the model (N(0, 0.02) initialisation as in the tutorial).</summary>
    public TutorialTransformer(TutorialConfig config) : base("tutorial")
    {
        config.Validate();
        Config = config;
        transformer = new TutorialBody(config);
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal)) nn.init.zeros_(p);
            else if (name.Contains("layer_norms", StringComparison.Ordinal)) nn.init.ones_(p);
            else nn.init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>The shape.</summary>
    public TutorialConfig Config { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => LmLogits(Encode(input));

    /// <inheritdoc />
    public Tensor Encode(Tensor input, Tensor? attentionMask = null)
    {
        if (input.shape[1] > Config.ContextLength)
            throw new ArgumentException($"Sequence length {input.shape[1]} exceeds the model's context length {Config.ContextLength}.");
        return transformer.call(input);
    }

    /// <inheritdoc />
    public Tensor LmLogits(Tensor hidden) => F.linear(hidden, transformer.Tokens);

    /// <inheritdoc />
    public int Width => Config.Width;

    /// <inheritdoc />
    public int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public int ContextLength => Config.ContextLength;

    /// <inheritdoc />
    public bool IsCausal => true;

    /// <inheritdoc />
    public IReadOnlyList<string> LayerGroups =>
        [@"^transformer\.(tokens|position)_embeddings\.", .. Enumerable.Range(0, Config.Layers).Select(i => $@"^transformer\.(attentions|feed_forwards|layer_norms_1|layer_norms_2)\.{i}\.")];

    /// <inheritdoc />
    public IReadOnlyList<string> LoraTargets => [@"out_proj$", @"feed_forwards\.\d+\.0$", @"feed_forwards\.\d+\.2$"];

    /// <inheritdoc />
    public IReadOnlyList<string> AdapterTargets => [@"out_proj$", @"feed_forwards\.\d+\.2$"];
}
