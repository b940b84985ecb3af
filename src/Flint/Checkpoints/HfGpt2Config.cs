using System.Text.Json;
using System.Text.Json.Serialization;
using Flint.Models;

namespace Flint.Checkpoints;

/// <summary>The fields of a HuggingFace GPT-2 <c>config.json</c> that decide the architecture, with HF's names.</summary>
public sealed record HfGpt2Config
{
    /// <summary>HF model classes (<c>GPT2LMHeadModel</c>).</summary>
    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = ["GPT2LMHeadModel"];

    /// <summary>Always <c>gpt2</c>.</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "gpt2";

    /// <summary>Vocabulary size.</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }

    /// <summary>Positions.</summary>
    [JsonPropertyName("n_positions")] public int Positions { get; init; }

    /// <summary>Width.</summary>
    [JsonPropertyName("n_embd")] public int Width { get; init; }

    /// <summary>Blocks.</summary>
    [JsonPropertyName("n_layer")] public int Layers { get; init; }

    /// <summary>Attention heads.</summary>
    [JsonPropertyName("n_head")] public int Heads { get; init; }

    /// <summary>MLP inner size; null means 4 × width.</summary>
    [JsonPropertyName("n_inner")] public int? Inner { get; init; }

    /// <summary><c>gelu_new</c> (GPT-2's tanh GELU, HF's default) or <c>gelu</c> (exact).</summary>
    [JsonPropertyName("activation_function")] public string ActivationFunction { get; init; } = "gelu_new";

    /// <summary>LayerNorm epsilon; Flint's GPT uses 1e-5 like GPT-2.</summary>
    [JsonPropertyName("layer_norm_epsilon")] public double LayerNormEpsilon { get; init; } = 1e-5;

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Reads and checks a config.json; the error names the file and the field.</summary>
    public static HfGpt2Config Read(string path)
    {
        HfGpt2Config config;
        try
        {
            config = JsonSerializer.Deserialize<HfGpt2Config>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid config.json ({e.Message}).", e);
        }
        var problems = new List<string>();
        if (config.ModelType != "gpt2") problems.Add($"model_type is '{config.ModelType}', expected 'gpt2'");
        if (config.ActivationFunction is not ("gelu_new" or "gelu")) problems.Add($"activation_function is '{config.ActivationFunction}'; Flint's GPT implements 'gelu_new' and 'gelu'");
        if (Math.Abs(config.LayerNormEpsilon - 1e-5) > 1e-12) problems.Add($"layer_norm_epsilon is {config.LayerNormEpsilon}; Flint's GPT uses 1e-5");
        if (config.VocabSize < 2 || config.Positions < 1 || config.Width < 1 || config.Layers < 1 || config.Heads < 1)
            problems.Add("vocab_size, n_positions, n_embd, n_layer and n_head must all be given and positive");
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}.");
        return config;
    }

    /// <summary>Writes the config as indented JSON.</summary>
    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Indented));

    /// <summary>Flint's shape for these weights, with the task's <paramref name="dropout"/>.</summary>
    public GptConfig ToGpt(double dropout) => new(VocabSize, Positions, Layers, Heads, Width, dropout, FeedForward: Inner ?? 0,
        Activation: ActivationFunction == "gelu" ? Activation.Gelu : Activation.GeluNew);

    /// <summary>The HF config of a Flint GPT shape.</summary>
    public static HfGpt2Config From(GptConfig c) => new()
    {
        VocabSize = c.VocabSize, Positions = c.ContextLength, Width = c.Width, Layers = c.Layers, Heads = c.Heads, Inner = c.Inner,
        ActivationFunction = c.Activation == Activation.GeluNew ? "gelu_new" : "gelu",
    };
}
