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
/// <param name="Bias">Biases in linear layers (GPT-2 has them).</param>
/// <param name="FeedForward">Inner size of the MLP (0 means 4 × width).</param>
/// <param name="Activation">The MLP's activation: exact GELU (Flint's default) or GPT-2's tanh approximation (<c>gelu_new</c>, for imported GPT-2 weights).</param>
public sealed record GptConfig(int VocabSize, int ContextLength, int Layers, int Heads, int Width, double Dropout = 0.0, bool Bias = true, int FeedForward = 0,
    Activation Activation = Activation.Gelu)
{
    /// <summary>A few thousand parameters: for tests.</summary>
    public static GptConfig Nano(int vocabSize = 64) => ModelPresets.Get("nano").ToGpt(vocabSize);

    /// <summary>nanoGPT's CPU shakespeare-char config: 4 layers, 4 heads, width 128, context 64.</summary>
    public static GptConfig CharSmall(int vocabSize = 65) => ModelPresets.Get("char-small").ToGpt(vocabSize);

    /// <summary>The demo size: 4 layers, 4 heads, width 256, context 128.</summary>
    public static GptConfig Small(int vocabSize) => ModelPresets.Get("small").ToGpt(vocabSize);

    /// <summary>The MLP's inner size.</summary>
    public int Inner => FeedForward > 0 ? FeedForward : 4 * Width;

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
        + Layers * (4L * Width * Width + 2L * Width * Inner + (Bias ? 5L * Width + Inner + 4L * Width : 4L * Width))
        + 2L * Width;

    /// <summary>Training FLOPs per token at full context: 6 per non-position weight, plus attention's 12·L·width·T (PaLM appendix B).</summary>
    public double FlopsPerToken => 6.0 * (ParameterCount - (long)ContextLength * Width) + 12.0 * Layers * Width * ContextLength;
}

/// <summary>Cached keys and values of every layer, for incremental decoding.</summary>
public sealed class KvCache : IDisposable
{
    internal readonly List<(Tensor K, Tensor V)?> Layers;

    /// <summary>An empty cache for <paramref name="layers"/> layers.</summary>
    public KvCache(int layers) => Layers = Enumerable.Repeat<(Tensor, Tensor)?>(null, layers).ToList();

    /// <summary>Positions cached so far.</summary>
    public long Length => Layers[0] is { } kv ? kv.K.shape[2] : 0;

    internal (Tensor K, Tensor V) Append(int layer, Tensor k, Tensor v)
    {
        var (newK, newV) = Layers[layer] is { } old ? (cat([old.K, k], 2), cat([old.V, v], 2)) : (k, v);
        Layers[layer]?.K.Dispose();
        Layers[layer]?.V.Dispose();
        Layers[layer] = (newK.DetachFromDisposeScope(), newV.DetachFromDisposeScope());
        return Layers[layer]!.Value;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var kv in Layers) { kv?.K.Dispose(); kv?.V.Dispose(); }
    }
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
    public override Tensor forward(Tensor x) => Attend(x, null, 0);

    internal Tensor Attend(Tensor x, KvCache? cache, int layer)
    {
        var (b, t, c) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkv = c_attn.call(x).view(b, t, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4); // (3, B, H, T, D)
        // One unbind, not three selects: each select's backward writes a zero-filled (3, B, H, T, D) gradient; unbind's stacks once.
        var parts = qkv.unbind(0);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        bool causal = true;
        if (cache is not null)
        {
            bool first = cache.Layers[layer] is null;
            (k, v) = cache.Append(layer, k.contiguous(), v.contiguous());
            causal = first; // a single new query may see every cached position; a prompt needs the causal mask
            if (!first && t > 1) throw new ArgumentException("With a non-empty cache, feed one token at a time.");
        }
        var y = F.scaled_dot_product_attention(q, k, v, p: training ? _dropout : 0.0, is_casual: causal); // (B, H, T, D)
        y = y.transpose(1, 2).contiguous().view(b, t, c);
        return resid_dropout.call(c_proj.call(y));
    }
}

/// <summary>The position-wise feed-forward network: width → inner → width with GELU (exact, or GPT-2's tanh form).</summary>
public sealed class GptMlp : nn.Module<Tensor, Tensor>
{
    readonly Linear c_fc, c_proj;
    readonly Dropout dropout;
    readonly Activation _activation;

    /// <summary>Creates the layer.</summary>
    public GptMlp(GptConfig config) : base("mlp")
    {
        c_fc = nn.Linear(config.Width, config.Inner, hasBias: config.Bias);
        c_proj = nn.Linear(config.Inner, config.Width, hasBias: config.Bias);
        dropout = nn.Dropout(config.Dropout);
        _activation = config.Activation;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var h = c_fc.call(x); // (B, T, inner)
        return dropout.call(c_proj.call(_activation == Activation.GeluNew ? GeluNew(h) : F.gelu(h)));
    }

    /// <summary>HF's <c>gelu_new</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), written out as GPT-2's code has it.</summary>
    public static Tensor GeluNew(Tensor x) => 0.5 * x * (1.0 + tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * pow(x, 3.0))));
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
    public override Tensor forward(Tensor x) => Step(x, null, 0);

    internal Tensor Step(Tensor x, KvCache? cache, int layer)
    {
        // Through call() when uncached, so forward hooks (adapters) on attn run; the cached path reaches into Attend.
        var attended = cache is null ? attn.call(ln_1.call(x)) : attn.Attend(ln_1.call(x), cache, layer);
        x = x + attended;
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
    public override Tensor forward(Tensor idx) => Run(idx, null);

    internal Tensor Run(Tensor idx, KvCache? cache)
    {
        long start = cache?.Length ?? 0;
        var positions = arange(start, start + idx.shape[1], dtype: ScalarType.Int64, device: idx.device);
        var x = drop.call(wte.call(idx) + wpe.call(positions)); // (B, T, C)
        for (int i = 0; i < h.Count; i++) x = h[i].Step(x, cache, i);
        return ln_f.call(x);
    }
}

/// <summary>
/// A GPT-2-style causal language model in one file: config, attention, MLP, block, model, generation. The output
/// projection is tied to the token embedding (a matmul with <c>wte.weight</c>), so the parameter is updated once.
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>, ITextEncoder
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

    /// <summary>(B, T) token ids → (B, T, V) next-token logits.</summary>
    public override Tensor forward(Tensor idx) => LmLogits(Encode(idx));

    /// <inheritdoc />
    public Tensor Encode(Tensor input, Tensor? attentionMask = null)
    {
        // Right padding never reaches a real position under a causal mask, so the attention mask is not needed here.
        CheckLength(input.shape[1]);
        return transformer.call(input);
    }

    /// <inheritdoc />
    public Tensor LmLogits(Tensor hidden) => F.linear(hidden, transformer.TokenEmbedding);

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
        [@"^transformer\.(wte|wpe)\.", .. Enumerable.Range(0, Config.Layers - 1).Select(i => $@"^transformer\.h\.{i}\."), $@"^transformer\.(h\.{Config.Layers - 1}\.|ln_f\.)"]; // ln_f goes with the block it normalises

    /// <inheritdoc />
    public IReadOnlyList<string> LoraTargets => [@"attn\.c_attn$", @"attn\.c_proj$", @"mlp\.c_fc$", @"mlp\.c_proj$"];

    /// <inheritdoc />
    public IReadOnlyList<string> AdapterTargets => [@"attn\.c_proj$", @"mlp\.c_proj$"]; // after each sub-layer, before the residual add (Houlsby)

    /// <summary>
    /// Continues <paramref name="prompt"/> (1, T) by up to <paramref name="maxNewTokens"/> tokens with a KV cache.
    /// Temperature 0 is greedy; <paramref name="topK"/> and <paramref name="topP"/> restrict sampling. Stops at <paramref name="eos"/>.
    /// </summary>
    public long[] Generate(long[] prompt, int maxNewTokens, double temperature = 1.0, int? topK = null, double? topP = null, long? eos = null,
        long seed = 0, bool useCache = true)
    {
        if (prompt.Length == 0) throw new ArgumentException("The prompt needs at least one token.", nameof(prompt));
        var device = transformer.TokenEmbedding.device;
        var generator = new Generator((ulong)seed, device);
        var tokens = prompt.ToList();
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var cache = useCache ? new KvCache(Config.Layers) : null;
            for (int i = 0; i < maxNewTokens && tokens.Count < Config.ContextLength; i++)
            {
                using var scope = NewDisposeScope();
                Tensor input = cache is null || cache.Length == 0
                    ? tensor(tokens.ToArray(), device: device).unsqueeze(0)
                    : tensor(new[] { tokens[^1] }, device: device).unsqueeze(0);
                var logits = LmLogits(transformer.Run(input, cache)[0, -1]); // (V): the vocabulary projection of the last position only
                long next = Sampling.Next(logits, temperature, topK, topP, generator);
                tokens.Add(next);
                if (next == eos) break;
            }
        }
        finally
        {
            if (wasTraining) train();
        }
        return [.. tokens];
    }

    /// <summary>(B, T) ids → (B, T, V) logits; with a cache, positions continue after the cached ones and the cache grows by T.</summary>
    internal Tensor Logits(Tensor input, KvCache? cache) => LmLogits(transformer.Run(input, cache));

    void CheckLength(long length)
    {
        if (length > Config.ContextLength)
            throw new ArgumentException($"Sequence length {length} exceeds the model's context length {Config.ContextLength}.");
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
