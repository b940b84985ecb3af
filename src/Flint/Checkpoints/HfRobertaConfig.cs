using System.Text.Json;
using System.Text.Json.Serialization;
using Flint.Models;

namespace Flint.Checkpoints;

/// <summary>
/// The fields of a HuggingFace RoBERTa <c>config.json</c> (<c>model_type: roberta</c>), with HF's names and HF's
/// defaults (<c>RobertaConfig</c>: BERT's, with <c>pad_token_id</c> 1). RoBERTa is BERT with positions offset past the
/// padding id (<see cref="BertConfig.PaddingIdx"/>), one token type and a byte-level BPE vocabulary.
/// </summary>
public sealed record HfRobertaConfig
{
    /// <summary>Always <c>roberta</c>.</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "roberta";

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

    /// <summary>Feed-forward activation; Flint's BERT implements <c>gelu</c> (exact).</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "gelu";

    /// <summary>Rows of the position table: the longest sequence plus <see cref="PadTokenId"/> + 1 (514 for 512 tokens).</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositions { get; init; } = 512;

    /// <summary>Token-type vocabulary (1 in RoBERTa's own files).</summary>
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; init; } = 2;

    /// <summary>LayerNorm epsilon (RoBERTa's files say 1e-5).</summary>
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>The padding id, which is also the position padding tokens get; real tokens count from it + 1.</summary>
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; init; } = 1;

    /// <summary>Flint's BERT has learned absolute positions only.</summary>
    [JsonPropertyName("position_embedding_type")] public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>Reads and checks a config.json; the error names the file and the field.</summary>
    public static HfRobertaConfig Read(string path)
    {
        HfRobertaConfig config;
        try
        {
            config = JsonSerializer.Deserialize<HfRobertaConfig>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid config.json ({e.Message}).", e);
        }
        var problems = new List<string>();
        if (config.ModelType != "roberta") problems.Add($"model_type is '{config.ModelType}', expected 'roberta'");
        if (config.HiddenAct != "gelu") problems.Add($"hidden_act is '{config.HiddenAct}'; Flint's BERT implements 'gelu' (exact) only");
        if (config.PositionEmbeddingType != "absolute") problems.Add($"position_embedding_type is '{config.PositionEmbeddingType}'; Flint's BERT has 'absolute' positions only");
        if (config.VocabSize < 2 || config.HiddenSize < 1 || config.Layers < 1 || config.Heads < 1 || config.IntermediateSize < 1)
            problems.Add("vocab_size, hidden_size, num_hidden_layers, num_attention_heads and intermediate_size must all be given and positive");
        if (config.PadTokenId < 0 || config.PadTokenId >= Math.Max(2, config.VocabSize))
            problems.Add($"pad_token_id is {config.PadTokenId}, not an id of the {config.VocabSize}-token vocabulary");
        if (config.MaxPositions <= config.PadTokenId + 1)
            problems.Add($"max_position_embeddings is {config.MaxPositions}; positions start at pad_token_id + 1 = {config.PadTokenId + 1}, so it must be larger");
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}.");
        return config;
    }

    /// <summary>
    /// Flint's shape for these weights: BERT whose positions start past the padding id, so the longest sequence is
    /// <see cref="MaxPositions"/> − <see cref="PadTokenId"/> − 1; the task's <paramref name="dropout"/>.
    /// </summary>
    public BertConfig ToBert(double dropout) =>
        new(VocabSize, MaxPositions - PadTokenId - 1, Layers, Heads, HiddenSize, IntermediateSize, dropout, TypeVocabSize, LayerNormEps, PaddingIdx: PadTokenId);
}
