using Flint.Config;
using Flint.Objectives;

namespace Flint.Workflow.Specs;

/// <summary><c>flint pretrain</c> (also <c>lr-find</c> and <c>describe-loop</c>, which look at the same run).</summary>
public sealed record PretrainSpec : RunSpec
{
    /// <summary>Continue pretraining a run (domain-adaptive pretraining).</summary>
    [Setting("Start from the weights, tokenizer, model and objective of this pretraining run and continue on --data (domain-adaptive pretraining, ULMFiT's stage 2).")] public string? From { get; init; }
    /// <summary>The self-supervised objective.</summary>
    [Setting("Self-supervised objective: clm (next token), mlm (masked tokens), electra (replaced-token detection).")] public Objective Objective { get; init; } = Objective.Clm;
    /// <summary>The tokenizer.</summary>
    [Setting("auto (trains a 4,096-token byte-level BPE; char for char-small), gpt2, char, bpe:DIR, wordpiece:VOCAB, train-bpe:N.")] public string Tokenizer { get; init; } = "auto";
    /// <summary><c>model.*</c>.</summary>
    [Section] public PretrainModelSpec Model { get; init; } = new();
    /// <summary><c>data.*</c>.</summary>
    [Section] public PretrainDataSpec Data { get; init; } = new();
    /// <summary><c>trainer.*</c>.</summary>
    [Section] public PretrainTrainerSpec Trainer { get; init; } = new();
    /// <summary><c>optimizer.*</c>.</summary>
    [Section] public OptimizerSpec Optimizer { get; init; } = new();
    /// <summary><c>checkpoint.*</c>.</summary>
    [Section] public CheckpointSpec Checkpoint { get; init; } = new();
}

/// <summary><c>model.*</c> of pretraining.</summary>
public sealed record PretrainModelSpec
{
    /// <summary>The model size.</summary>
    [Setting("Model size: nano, char-small, small, tutorial-50m, gpt2-124m (decoders; encoders for mlm/electra use the same size).")] public string Preset { get; init; } = "small";
    /// <summary>Dropout.</summary>
    [Setting("Dropout.", Min = 0, Below = 1)] public double Dropout { get; init; }
}

/// <summary><c>data.*</c> of pretraining.</summary>
public sealed record PretrainDataSpec
{
    /// <summary>The corpus or tokenized dataset.</summary>
    [Setting("Corpus files/folders (comma-separated) or a tokenized dataset.", Alias = "--data")] public string? Path { get; init; }
    /// <summary>Sequences per micro-batch.</summary>
    [Setting("Sequences per micro-batch.", Min = 1)] public int BatchSize { get; init; } = 16;
    /// <summary>Tokens per sequence (null: the preset's).</summary>
    [Setting("Tokens per sequence (default: the preset's context).", Min = 2)] public int? Context { get; init; }
    /// <summary>Validation share.</summary>
    [Setting("Share held out for validation: whole documents when there are many, else the end of each document.", Min = 0, Below = 1)] public double ValFraction { get; init; } = 0.05;
    /// <summary>JSONL text field.</summary>
    [Setting("JSONL field holding the text.")] public string TextField { get; init; } = "text";
}
