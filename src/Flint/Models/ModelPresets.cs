namespace Flint.Models;

/// <summary>A named model size: architecture, shape, and what it costs.</summary>
/// <param name="Name">Preset name.</param>
/// <param name="Architecture">The model family.</param>
/// <param name="Layers">Blocks.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="Width">Hidden size.</param>
/// <param name="FeedForward">Feed-forward inner size.</param>
/// <param name="Context">Longest sequence.</param>
/// <param name="Description">What it is for.</param>
public sealed record ModelPreset(string Name, Architecture Architecture, int Layers, int Heads, int Width, int FeedForward, int Context, string Description)
{
    /// <summary>Parameters for a vocabulary of <paramref name="vocabSize"/> (tied output embedding counted once).</summary>
    public long Parameters(int vocabSize) => Architecture switch
    {
        Architecture.Gpt => ToGpt(vocabSize).ParameterCount,
        Architecture.Tutorial => ToTutorial(vocabSize).ParameterCount,
        _ => ToBert(vocabSize).ParameterCount,
    };

    /// <summary>Training FLOPs per token at full context (6 per weight + attention).</summary>
    public double FlopsPerToken(int vocabSize) =>
        6.0 * (Parameters(vocabSize) - (long)Context * Width) + 12.0 * Layers * Width * Context;

    /// <summary>The GPT config of this preset.</summary>
    public GptConfig ToGpt(int vocabSize, double dropout = 0.0) => new(vocabSize, Context, Layers, Heads, Width, dropout, FeedForward: FeedForward);

    /// <summary>The BERT config of this preset.</summary>
    public BertConfig ToBert(int vocabSize, double dropout = 0.1) => new(vocabSize, Context, Layers, Heads, Width, FeedForward, dropout);

    /// <summary>The tutorial-transformer config of this preset.</summary>
    public TutorialConfig ToTutorial(int vocabSize, double dropout = 0.1) => new(vocabSize, Context, Layers, Heads, Width, FeedForward, dropout);
}

/// <summary>The presets Flint knows; <c>flint pretrain --model.preset NAME</c>.</summary>
public static class ModelPresets
{
    /// <summary>Every preset.</summary>
    public static IReadOnlyList<ModelPreset> All { get; } =
    [
        new("nano", Architecture.Gpt, 2, 2, 32, 128, 32, "tests: trains in seconds"),
        new("char-small", Architecture.Gpt, 4, 4, 128, 512, 64, "nanoGPT's CPU shakespeare-char config"),
        new("mini", Architecture.Gpt, 4, 4, 128, 512, 128, "the demo's: pretraining and dozens of fine-tunings fit in minutes on 2 cores"),
        new("small", Architecture.Gpt, 4, 4, 256, 1024, 128, "a small decoder for CPU"),
        new("tutorial-50m", Architecture.Tutorial, 16, 10, 410, 2100, 256, "HuggingFace NAACL 2019 transfer-learning tutorial"),
        new("gpt2-124m", Architecture.Gpt, 12, 12, 768, 3072, 1024, "GPT-2 small"),
        new("bert-nano", Architecture.Bert, 2, 2, 32, 128, 64, "tests: a tiny encoder"),
        new("bert-small", Architecture.Bert, 4, 4, 256, 1024, 128, "a small encoder for MLM/ELECTRA on CPU"),
        new("bert-base", Architecture.Bert, 12, 12, 768, 3072, 512, "BERT base"),
    ];

    /// <summary>The preset named <paramref name="name"/>, or an error listing the names.</summary>
    public static ModelPreset Get(string name) => All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"Unknown model preset '{name}'. Presets: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
}
