using System.Text.Json;
using System.Text.Json.Serialization;
using Flint.Models;

namespace Flint.Checkpoints;

/// <summary>
/// The fields of a HuggingFace DistilBERT <c>config.json</c> (<c>model_type: distilbert</c>), with HF's names. DistilBERT
/// is BERT without token types or pooler (post-LayerNorm blocks, exact GELU, LayerNorm eps 1e-12), so it maps onto
/// Flint's BERT with <see cref="BertConfig.TokenTypes"/> 0.
/// </summary>
public sealed record HfDistilBertConfig
{
    /// <summary>Always <c>distilbert</c>.</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "distilbert";

    /// <summary>Vocabulary size.</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }

    /// <summary>Width.</summary>
    [JsonPropertyName("dim")] public int Width { get; init; }

    /// <summary>Transformer layers.</summary>
    [JsonPropertyName("n_layers")] public int Layers { get; init; }

    /// <summary>Attention heads.</summary>
    [JsonPropertyName("n_heads")] public int Heads { get; init; }

    /// <summary>Feed-forward inner size.</summary>
    [JsonPropertyName("hidden_dim")] public int FeedForward { get; init; }

    /// <summary>Feed-forward activation; Flint's BERT implements <c>gelu</c> (exact).</summary>
    [JsonPropertyName("activation")] public string Activation { get; init; } = "gelu";

    /// <summary>Positions the position embedding covers.</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositions { get; init; } = 512;

    /// <summary>Sinusoidal (fixed) position embeddings; the weights hold them either way, so both load.</summary>
    [JsonPropertyName("sinusoidal_pos_embds")] public bool Sinusoidal { get; init; }

    /// <summary>Reads and checks a config.json; the error names the file and the field.</summary>
    public static HfDistilBertConfig Read(string path)
    {
        HfDistilBertConfig config;
        try
        {
            config = JsonSerializer.Deserialize<HfDistilBertConfig>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid config.json ({e.Message}).", e);
        }
        var problems = new List<string>();
        if (config.ModelType != "distilbert") problems.Add($"model_type is '{config.ModelType}', expected 'distilbert'");
        if (config.Activation != "gelu") problems.Add($"activation is '{config.Activation}'; Flint's BERT implements 'gelu' (exact) only");
        if (config.VocabSize < 2 || config.Width < 1 || config.Layers < 1 || config.Heads < 1 || config.FeedForward < 1)
            problems.Add("vocab_size, dim, n_layers, n_heads and hidden_dim must all be given and positive");
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}.");
        return config;
    }

    /// <summary>Flint's shape for these weights: BERT without token types, LayerNorm eps 1e-12 (DistilBERT's fixed value), the task's dropout.</summary>
    public BertConfig ToBert(double dropout) => new(VocabSize, MaxPositions, Layers, Heads, Width, FeedForward, dropout, TokenTypes: 0, LayerNormEps: 1e-12);
}
