using System.Text.Json;
using System.Text.Json.Serialization;
using Flint.Models;

namespace Flint.Checkpoints;

/// <summary>
/// The fields of a HuggingFace BERT <c>config.json</c> that decide the architecture, with HF's names. Read from a
/// model folder for <c>--from</c>, written by <c>flint import-onnx</c> and <c>flint export</c>.
/// </summary>
public sealed record HfBertConfig
{
    /// <summary>HF model classes the weights fit (<c>BertModel</c>: no MLM head; <c>BertForMaskedLM</c>: with it).</summary>
    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = ["BertModel"];

    /// <summary>Always <c>bert</c>.</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "bert";

    /// <summary>Vocabulary size.</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }

    /// <summary>Width.</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; }

    /// <summary>Encoder layers.</summary>
    [JsonPropertyName("num_hidden_layers")] public int Layers { get; init; }

    /// <summary>Attention heads.</summary>
    [JsonPropertyName("num_attention_heads")] public int Heads { get; init; }

    /// <summary>Feed-forward inner size.</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; }

    /// <summary>Feed-forward activation; Flint's BERT implements <c>gelu</c> (exact, erf-based).</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "gelu";

    /// <summary>Dropout on hidden states.</summary>
    [JsonPropertyName("hidden_dropout_prob")] public double HiddenDropout { get; init; } = 0.1;

    /// <summary>Dropout on attention probabilities.</summary>
    [JsonPropertyName("attention_probs_dropout_prob")] public double AttentionDropout { get; init; } = 0.1;

    /// <summary>Positions the position embedding covers.</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositions { get; init; } = 512;

    /// <summary>Token-type (segment) vocabulary.</summary>
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; init; } = 2;

    /// <summary>LayerNorm epsilon.</summary>
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Initialisation scale (kept for HF; Flint's BERT uses 0.02).</summary>
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;

    /// <summary>The padding id.</summary>
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; init; }

    /// <summary>Flint's BERT has learned absolute positions only.</summary>
    [JsonPropertyName("position_embedding_type")] public string PositionEmbeddingType { get; init; } = "absolute";

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Reads and checks a config.json; the error names the file and the field.</summary>
    public static HfBertConfig Read(string path)
    {
        HfBertConfig config;
        try
        {
            config = JsonSerializer.Deserialize<HfBertConfig>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid config.json ({e.Message}).", e);
        }
        var problems = new List<string>();
        if (config.ModelType != "bert") problems.Add($"model_type is '{config.ModelType}', expected 'bert'");
        if (config.HiddenAct != "gelu") problems.Add($"hidden_act is '{config.HiddenAct}'; Flint's BERT implements 'gelu' (exact) only");
        if (config.PositionEmbeddingType != "absolute") problems.Add($"position_embedding_type is '{config.PositionEmbeddingType}'; Flint's BERT has 'absolute' positions only");
        if (config.VocabSize < 2 || config.HiddenSize < 1 || config.Layers < 1 || config.Heads < 1 || config.IntermediateSize < 1)
            problems.Add("vocab_size, hidden_size, num_hidden_layers, num_attention_heads and intermediate_size must all be given and positive");
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}.");
        return config;
    }

    /// <summary>Writes the config as indented JSON.</summary>
    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Indented));

    /// <summary>Flint's shape for these weights, with <paramref name="dropout"/> (the task's) in place of HF's.</summary>
    public BertConfig ToBert(double dropout) =>
        new(VocabSize, MaxPositions, Layers, Heads, HiddenSize, IntermediateSize, dropout, TypeVocabSize, LayerNormEps);

    /// <summary>The HF config of a Flint BERT shape.</summary>
    public static HfBertConfig From(BertConfig c, params string[] architectures) => c.PaddingIdx is not null
        ? throw new NotSupportedException("A RoBERTa-shaped BERT (offset positions) has no BERT config.json; Flint exports BERT shapes only.")
        : new()
    {
        Architectures = architectures.Length > 0 ? architectures : ["BertForMaskedLM"], VocabSize = c.VocabSize, HiddenSize = c.Width, Layers = c.Layers,
        Heads = c.Heads, IntermediateSize = c.FeedForward, MaxPositions = c.ContextLength, TypeVocabSize = c.TokenTypes, LayerNormEps = c.LayerNormEps,
        HiddenDropout = c.Dropout, AttentionDropout = c.Dropout,
    };
}
