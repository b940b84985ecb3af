using Flint.Checkpoints;
using Flint.Config;
using Flint.Finetuning;

namespace Flint.Workflow.Specs;

/// <summary><c>flint finetune</c>.</summary>
public sealed record FinetuneSpec : RunSpec
{
    /// <summary>Where the body comes from.</summary>
    [Setting("A pretraining run folder, a checkpoint folder, a HuggingFace GPT-2/BERT/DistilBERT/RoBERTa folder, or 'scratch'.")] public string? From { get; init; }
    /// <summary>With <c>--from scratch</c>: copy this run's architecture and tokenizer.</summary>
    [Setting("With --from scratch: copy the model preset and tokenizer of this run (the control experiment).")] public string? ArchitectureOf { get; init; }
    /// <summary>The tokenizer (null: the body's).</summary>
    [Setting("Tokenizer (default: the pretrained run's; with --from scratch and no run: gpt2).")] public string? Tokenizer { get; init; }
    /// <summary><c>model.*</c>.</summary>
    [Section] public FinetuneModelSpec Model { get; init; } = new();
    /// <summary><c>weights.*</c>: how a HuggingFace folder's weights are read.</summary>
    [Section] public WeightsSpec Weights { get; init; } = new();
    /// <summary><c>finetune.*</c>.</summary>
    [Section] public FinetuneMethodSpec Finetune { get; init; } = new();
    /// <summary><c>data.*</c>.</summary>
    [Section] public FinetuneDataSpec Data { get; init; } = new();
    /// <summary><c>adapt.*</c>: target-domain LM adaptation before fine-tuning.</summary>
    [Section] public AdaptSpec Adapt { get; init; } = new();
    /// <summary><c>trainer.*</c>.</summary>
    [Section] public TrainerSpec Trainer { get; init; } = new();
    /// <summary><c>optimizer.*</c>: fine-tuning's own defaults (ULMFiT-like: 10% warmup, cosine to zero, Adam's usual β₂).</summary>
    [Section] public OptimizerSpec Optimizer { get; init; } = new() { Warmup = 0.1, MinLrRatio = 0.0, Beta2 = 0.999 };
    /// <summary><c>checkpoint.*</c>.</summary>
    [Section] public CheckpointSpec Checkpoint { get; init; } = new();
}

/// <summary><c>model.*</c> of fine-tuning.</summary>
public sealed record FinetuneModelSpec
{
    /// <summary>With <c>--from scratch</c> and no run to copy: the model size.</summary>
    [Setting("With --from scratch and no --architecture-of: the model size.")] public string Preset { get; init; } = "small";
    /// <summary>Dropout during fine-tuning.</summary>
    [Setting("Dropout during fine-tuning.", Min = 0, Below = 1)] public double Dropout { get; init; } = 0.1;
}

/// <summary><c>weights.*</c>: how <c>--from</c> a HuggingFace folder reads its weight file.</summary>
public sealed record WeightsSpec
{
    /// <summary>The dtype the weights are loaded as.</summary>
    [Setting("With --from a HuggingFace folder: as_stored (float32 files load; fp16/bf16 are refused) or float32 (cast fp16/bf16/f64 weights on load).")]
    public WeightsDtype Dtype { get; init; } = WeightsDtype.AsStored;
}

/// <summary><c>finetune.*</c>: how the body is adapted.</summary>
public sealed record FinetuneMethodSpec
{
    /// <summary>What is trained.</summary>
    [Setting("full, adapters, lora, frozen or gradual.")] public FinetuneMethod Method { get; init; } = FinetuneMethod.Full;
    /// <summary>How a sequence becomes one vector (null: mean).</summary>
    [Setting("last, first or mean (default: mean, the average over real tokens, for decoders and encoders alike).")] public Pooling? Pooling { get; init; }
    /// <summary>Weight of the auxiliary LM loss.</summary>
    [Setting("Weight of the auxiliary LM loss (decoders).", Min = 0)] public double LmCoef { get; init; }
    /// <summary>LoRA rank.</summary>
    [Setting("LoRA rank.", Min = 1)] public int LoraRank { get; init; } = 8;
    /// <summary>Adapter bottleneck.</summary>
    [Setting("Adapter bottleneck.", Min = 1)] public int AdapterSize { get; init; } = 64;
    /// <summary>LR divisor per layer group below the top.</summary>
    [Setting("LR divisor per layer group below the top (ULMFiT: 2.6).", Min = 1)] public double DiscriminativeFactor { get; init; } = 1.0;
    /// <summary>LR schedule.</summary>
    [Setting("LR schedule after warmup: cosine, or slanted (ULMFiT's slanted triangular: linear up, linear down).")] public LrShape Schedule { get; init; } = LrShape.Cosine;
}

/// <summary><c>data.*</c> of fine-tuning.</summary>
public sealed record FinetuneDataSpec
{
    /// <summary>The labelled data.</summary>
    [Setting("A labelled TSV/CSV/JSONL file or a per-class folder.", Alias = "--data")] public string? Path { get; init; }
    /// <summary>Text column.</summary>
    [Setting("Text column/field of TSV, CSV or JSONL data.")] public string TextColumn { get; init; } = "text";
    /// <summary>Label column.</summary>
    [Setting("Label column/field.")] public string LabelColumn { get; init; } = "label";
    /// <summary>Validation share.</summary>
    [Setting("Fraction for validation (stratified).", Min = 0, Below = 1)] public double ValFraction { get; init; } = 0.1;
    /// <summary>Test share.</summary>
    [Setting("Fraction for test (stratified).", Min = 0, Below = 1)] public double TestFraction { get; init; } = 0.1;
    /// <summary>Examples per batch.</summary>
    [Setting("Examples per batch.", Min = 1)] public int BatchSize { get; init; } = 32;
    /// <summary>Tokens per example.</summary>
    [Setting("Tokens per example (longer texts are cut).", Min = 2)] public int MaxLength { get; init; } = 64;
    /// <summary>Label budget.</summary>
    [Setting("Label budget: fine-tune on this many examples of the training split, a stratified sample drawn with --seed (validation and test unchanged).", Min = 1)] public int? TrainExamples { get; init; }
    /// <summary>Seed of the train/validation/test split.</summary>
    [Setting("Seed of the train/validation/test split (default: --seed). Fix it to compare seeds on the same split.")] public long? SplitSeed { get; init; }
}

/// <summary>
/// <c>adapt.*</c>: ULMFiT's stage 2. Before fine-tuning, continue the body's pretraining objective on the texts of the
/// training split (never validation or test texts, never labels), in a pretraining run of its own inside the fine-tuning
/// run (<c>adapt/</c>).
/// </summary>
public sealed record AdaptSpec
{
    /// <summary>Steps of adaptation.</summary>
    [Setting("Steps of target-domain LM adaptation on the training texts before fine-tuning (0: none).", Min = 0)] public long Steps { get; init; }
    /// <summary>Minutes of adaptation.</summary>
    [Setting("Or a time budget in minutes (timed on a few steps, then recorded as a step count).", Above = 0)] public double? Minutes { get; init; }
    /// <summary>Batch size.</summary>
    [Setting("Windows per adaptation batch.", Min = 1)] public int BatchSize { get; init; } = 16;
    /// <summary>Peak LR.</summary>
    [Setting("Peak learning rate of the adaptation (default: the pretraining run's default).", Above = 0)] public double? Lr { get; init; }

    /// <summary>Whether adaptation was asked for.</summary>
    public bool Requested => Steps > 0 || Minutes is not null;
}
