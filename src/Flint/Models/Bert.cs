using Flint.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Models;

/// <summary>A BERT-style encoder's shape. Parameter names in <see cref="Bert"/> match HuggingFace's BertForMaskedLM.</summary>
/// <param name="VocabSize">Vocabulary size.</param>
/// <param name="ContextLength">Longest sequence.</param>
/// <param name="Layers">Encoder layers.</param>
/// <param name="Heads">Attention heads; must divide <paramref name="Width"/>.</param>
/// <param name="Width">Hidden size.</param>
/// <param name="FeedForward">Intermediate size.</param>
/// <param name="Dropout">Hidden and attention dropout.</param>
/// <param name="TokenTypes">Token-type (segment) vocabulary; 0 leaves the embedding out.</param>
/// <param name="LayerNormEps">LayerNorm epsilon (BERT's 1e-12; HF's <c>layer_norm_eps</c>).</param>
/// <param name="PaddingIdx">
/// RoBERTa's positions: null numbers positions 0…T−1 (BERT); an id makes real tokens count from PaddingIdx + 1 and gives
/// padding tokens position PaddingIdx (HF's <c>create_position_ids_from_input_ids</c>), so the position table has
/// <see cref="ContextLength"/> + PaddingIdx + 1 rows (RoBERTa's 514 for 512 tokens).
/// </param>
public sealed record BertConfig(int VocabSize, int ContextLength, int Layers, int Heads, int Width, int FeedForward, double Dropout = 0.1, int TokenTypes = 2, double LayerNormEps = 1e-12,
    int? PaddingIdx = null)
{
    /// <summary>Rows of the position embedding: the context, plus RoBERTa's offset.</summary>
    public int PositionRows => ContextLength + (PaddingIdx is { } pad ? pad + 1 : 0);

    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("model")
        .Check(VocabSize < 2, nameof(VocabSize), $"must be at least 2, got {VocabSize}.")
        .Check(Heads < 1 || Width % Math.Max(1, Heads) != 0, nameof(Heads), $"must be positive and divide Width ({Width}), got {Heads}.")
        .Check(Layers < 1, nameof(Layers), $"must be at least 1, got {Layers}.")
        .Check(Dropout is < 0 or >= 1, nameof(Dropout), $"must be in [0, 1), got {Dropout}.")
        .Check(LayerNormEps is <= 0 or > 0.1, nameof(LayerNormEps), $"must be in (0, 0.1], got {LayerNormEps}.")
        .Check(PaddingIdx is { } pad && (pad < 0 || pad >= VocabSize), nameof(PaddingIdx), $"must be a token id below VocabSize ({VocabSize}), got {PaddingIdx}.")
        .ThrowIfInvalid();

    /// <summary>Parameters (MLM head included, decoder tied).</summary>
    public long ParameterCount =>
        (long)(VocabSize + PositionRows + TokenTypes) * Width + 2L * Width
        + Layers * (4L * Width * Width + 4L * Width + 2L * Width * FeedForward + FeedForward + Width + 4L * Width)
        + (long)Width * Width + Width + 2L * Width + VocabSize;
}

/// <summary>Token, position and token-type embeddings, then LayerNorm and dropout.</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Embedding word_embeddings, position_embeddings;
    readonly Embedding? token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly Dropout dropout;
    readonly int? _paddingIdx;

    /// <summary>Creates the embeddings.</summary>
    public BertEmbeddings(BertConfig config) : base("embeddings")
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.Width);
        position_embeddings = nn.Embedding(config.PositionRows, config.Width);
        _paddingIdx = config.PaddingIdx;
        token_type_embeddings = config.TokenTypes > 0 ? nn.Embedding(config.TokenTypes, config.Width) : null;
        LayerNorm = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    /// <summary>The word embedding matrix (tied to the MLM decoder).</summary>
    public Parameter Words => word_embeddings.weight!;

    /// <summary>(B, T) ids and optional (B, T) token types → (B, T, C).</summary>
    public override Tensor forward(Tensor input, Tensor? tokenTypes)
    {
        var positions = _paddingIdx is { } pad ? RobertaPositions(input, pad) : arange(input.shape[1], dtype: ScalarType.Int64, device: input.device); // (B, T) or (T)
        var x = word_embeddings.call(input) + position_embeddings.call(positions);
        if (token_type_embeddings is not null) x = x + token_type_embeddings.call(tokenTypes ?? zeros_like(input));
        return dropout.call(LayerNorm.call(x));
    }

    /// <summary>
    /// RoBERTa's position ids, as HF computes them: the running count of non-padding tokens plus <paramref name="pad"/>,
    /// and <paramref name="pad"/> itself at padding tokens, so the first real token is at pad + 1 wherever padding sits.
    /// </summary>
    public static Tensor RobertaPositions(Tensor input, int pad)
    {
        var real = input.ne(pad).to_type(ScalarType.Int64); // (B, T)
        return real.cumsum(1) * real + pad;
    }
}

/// <summary>Bidirectional multi-head self-attention (HF's <c>attention.self</c>: separate query, key and value).</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Linear query, key, value;
    readonly int _heads;
    readonly double _dropout;

    /// <summary>Creates the layer.</summary>
    public BertSelfAttention(BertConfig config) : base("self")
    {
        query = nn.Linear(config.Width, config.Width);
        key = nn.Linear(config.Width, config.Width);
        value = nn.Linear(config.Width, config.Width);
        _heads = config.Heads;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    /// <summary>(B, T, C) and a (B, 1, 1, T) boolean mask (true = attend) → (B, T, C).</summary>
    public override Tensor forward(Tensor x, Tensor? keep)
    {
        var (b, t, c) = (x.shape[0], x.shape[1], x.shape[2]);
        Tensor Heads(Tensor y) => y.view(b, t, _heads, c / _heads).transpose(1, 2); // (B, H, T, D)
        var y = F.scaled_dot_product_attention(Heads(query.call(x)), Heads(key.call(x)), Heads(value.call(x)), keep, training ? _dropout : 0.0);
        return y.transpose(1, 2).contiguous().view(b, t, c);
    }
}

/// <summary>Projection, dropout, residual and LayerNorm after a sub-layer (HF's <c>*.output</c>).</summary>
public sealed class BertOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;
    readonly Dropout dropout;

    /// <summary>Creates the layer, projecting <paramref name="from"/> features to the width.</summary>
    public BertOutput(BertConfig config, int from) : base("output")
    {
        dense = nn.Linear(from, config.Width);
        LayerNorm = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    /// <summary>LayerNorm(residual + dropout(dense(x))).</summary>
    public override Tensor forward(Tensor x, Tensor residual) => LayerNorm.call(residual + dropout.call(dense.call(x)));
}

/// <summary>HF's <c>attention</c>: self-attention then its output block.</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly BertSelfAttention self;
    readonly BertOutput output;

    /// <summary>Creates the block.</summary>
    public BertAttention(BertConfig config) : base("attention")
    {
        self = new BertSelfAttention(config);
        output = new BertOutput(config, config.Width);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor? keep) => output.call(self.call(x, keep), x);
}

/// <summary>HF's <c>intermediate</c>: the feed-forward expansion with GELU.</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;

    /// <summary>Creates the layer.</summary>
    public BertIntermediate(BertConfig config) : base("intermediate")
    {
        dense = nn.Linear(config.Width, config.FeedForward);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => F.gelu(dense.call(x));
}

/// <summary>One post-LayerNorm encoder layer.</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly BertAttention attention;
    readonly BertIntermediate intermediate;
    readonly BertOutput output;

    /// <summary>Creates the layer.</summary>
    public BertLayer(BertConfig config) : base("layer")
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertOutput(config, config.FeedForward);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor? keep)
    {
        var attended = attention.call(x, keep);
        return output.call(intermediate.call(attended), attended);
    }
}

/// <summary>HF's <c>bert</c>: embeddings and the encoder stack.</summary>
public sealed class BertBody : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly BertEmbeddings embeddings;
    readonly BertEncoder encoder;

    /// <summary>Creates the body; <paramref name="sharedEmbeddings"/> makes it use another model's embeddings (ELECTRA).</summary>
    public BertBody(BertConfig config, BertEmbeddings? sharedEmbeddings = null) : base("bert")
    {
        embeddings = sharedEmbeddings ?? new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        RegisterComponents();
    }

    /// <summary>The word embeddings.</summary>
    public Parameter Words => embeddings.Words;

    /// <summary>The embedding module.</summary>
    public BertEmbeddings Embeddings => embeddings;

    /// <summary>(B, T) ids and a (B, T) mask (1 = token) → (B, T, C).</summary>
    public override Tensor forward(Tensor input, Tensor? attentionMask)
    {
        var keep = attentionMask?.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(2); // (B, 1, 1, T)
        return encoder.call(embeddings.call(input, null), keep);
    }
}

/// <summary>HF's <c>encoder</c>: the layer stack.</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly ModuleList<BertLayer> layer;

    /// <summary>Creates the stack.</summary>
    public BertEncoder(BertConfig config) : base("encoder")
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor? keep)
    {
        foreach (var l in layer) x = l.call(x, keep);
        return x;
    }
}

/// <summary>HF's <c>cls.predictions</c>: transform (dense, GELU, LayerNorm), then the tied decoder plus a bias.</summary>
public sealed class BertMlmHead : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertTransform transform;
    readonly Parameter bias;

    /// <summary>Creates the head.</summary>
    public BertMlmHead(BertConfig config) : base("predictions")
    {
        transform = new BertTransform(config);
        bias = nn.Parameter(zeros(config.VocabSize));
        RegisterComponents();
    }

    /// <summary>(…, C) hidden states and the (V, C) word embeddings → (…, V) logits.</summary>
    public override Tensor forward(Tensor hidden, Tensor words) => F.linear(transform.call(hidden), words, bias);
}

/// <summary>The MLM head's transform.</summary>
public sealed class BertTransform : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;

    /// <summary>Creates the transform.</summary>
    public BertTransform(BertConfig config) : base("transform")
    {
        dense = nn.Linear(config.Width, config.Width);
        LayerNorm = nn.LayerNorm(config.Width, eps: config.LayerNormEps);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => LayerNorm.call(F.gelu(dense.call(x)));
}

/// <summary>HF's <c>cls</c>.</summary>
public sealed class BertClsHeads : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertMlmHead predictions;

    /// <summary>Creates the heads.</summary>
    public BertClsHeads(BertConfig config) : base("cls")
    {
        predictions = new BertMlmHead(config);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, Tensor words) => predictions.call(hidden, words);
}

/// <summary>
/// A BERT-style bidirectional encoder with its masked-LM head (weights tied to the word embeddings), in one file.
/// Padding masks keep padded positions out of attention, so padding never changes real positions' outputs.
/// </summary>
public sealed class Bert : nn.Module<Tensor, Tensor?, Tensor>, ITextEncoder
{
    readonly BertBody bert;
    readonly BertClsHeads cls;

    /// <summary>
    /// Builds the model with BERT's initialisation (N(0, 0.02), zero biases, unit LayerNorm gains). With
    /// <paramref name="sharedEmbeddings"/> (same width), the model uses and trains that embedding module (ELECTRA's generator).
    /// </summary>
    public Bert(BertConfig config, BertEmbeddings? sharedEmbeddings = null) : base("bert_mlm")
    {
        config.Validate();
        Config = config;
        bert = new BertBody(config, sharedEmbeddings);
        cls = new BertClsHeads(config);
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (sharedEmbeddings is not null && name.StartsWith("bert.embeddings.", StringComparison.Ordinal)) continue; // trained elsewhere
            if (name.EndsWith("bias", StringComparison.Ordinal)) nn.init.zeros_(p);
            else if (name.Contains("LayerNorm", StringComparison.Ordinal)) nn.init.ones_(p);
            else nn.init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>The shape.</summary>
    public BertConfig Config { get; }

    /// <summary>The embedding module (to share with an ELECTRA generator).</summary>
    public BertEmbeddings Embeddings => bert.Embeddings;

    /// <summary>(B, T) ids and optional mask → (B, T, V) MLM logits.</summary>
    public override Tensor forward(Tensor input, Tensor? attentionMask) => LmLogits(Encode(input, attentionMask));

    /// <inheritdoc />
    public Tensor Encode(Tensor input, Tensor? attentionMask = null)
    {
        if (input.shape[1] > Config.ContextLength)
            throw new ArgumentException($"Sequence length {input.shape[1]} exceeds the model's context length {Config.ContextLength}.");
        return bert.call(input, attentionMask);
    }

    /// <inheritdoc />
    public Tensor LmLogits(Tensor hidden) => cls.call(hidden, bert.Words);

    /// <summary>The word embeddings (shared with an ELECTRA generator).</summary>
    public Parameter WordEmbeddings => bert.Words;

    /// <inheritdoc />
    public int Width => Config.Width;

    /// <inheritdoc />
    public int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public int ContextLength => Config.ContextLength;

    /// <inheritdoc />
    public bool IsCausal => false;

    /// <inheritdoc />
    public IReadOnlyList<string> LayerGroups =>
        [@"^bert\.embeddings\.", .. Enumerable.Range(0, Config.Layers).Select(i => $@"^bert\.encoder\.layer\.{i}\.")]; // not cls.*: the MLM head is no part of a classifier

    /// <inheritdoc />
    public IReadOnlyList<string> LoraTargets => [@"self\.query$", @"self\.key$", @"self\.value$", @"attention\.output\.dense$"];

    /// <inheritdoc />
    public IReadOnlyList<string> AdapterTargets => [@"output\.dense$"]; // after the attention and feed-forward projections, before residual + LayerNorm (Houlsby)
}
