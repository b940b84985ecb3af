using Flint.Config;
using Flint.Runtime;

namespace Flint.Training;

/// <summary>
/// Everything the Trainer does that is engineering, not research. Immutable; <see cref="Validate"/> runs before any work.
/// At least one stopping rule is needed: <see cref="MaxSteps"/>, <see cref="MaxEpochs"/>, <see cref="MaxTokens"/> or <see cref="MaxTime"/>.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Stop after this many optimizer steps.</summary>
    public long? MaxSteps { get; init; }
    /// <summary>Stop after this many epochs.</summary>
    public int? MaxEpochs { get; init; }
    /// <summary>Stop once this many training tokens were seen.</summary>
    public long? MaxTokens { get; init; }
    /// <summary>Stop once training has run this long (wall time, excluding setup).</summary>
    public TimeSpan? MaxTime { get; init; }

    /// <summary>Validate every N optimizer steps (null: only at epoch ends, per <see cref="ValidateEveryEpoch"/>).</summary>
    public long? ValidateEveryNSteps { get; init; }
    /// <summary>Validate at the end of each epoch.</summary>
    public bool ValidateEveryEpoch { get; init; } = true;
    /// <summary>Use at most this many training batches per epoch.</summary>
    public long? LimitTrainBatches { get; init; }
    /// <summary>Use at most this many validation batches per validation run.</summary>
    public long? LimitValidationBatches { get; init; }
    /// <summary>Validation batches to run before training starts, to catch bugs in <c>ValidationStep</c> early (0 turns it off).</summary>
    public int SanityValidationBatches { get; init; } = 2;
    /// <summary>Run one training and one validation batch, write nothing, then stop: a smoke test of the whole loop.</summary>
    public bool FastDevRun { get; init; }
    /// <summary>Train (and validate) on only the first N training batches, repeated: the classic "can it overfit" check.</summary>
    public int OverfitBatches { get; init; }

    /// <summary>Micro-batches per optimizer step (gradient accumulation). The loss is Σsum/Σcount over the window: exact.</summary>
    public int AccumulateGradBatches { get; init; } = 1;
    /// <summary>Clip the total gradient L2 norm to this value, once per optimizer step.</summary>
    public double? GradientClipNorm { get; init; }
    /// <summary>Clamp each gradient element to ±this value, once per optimizer step.</summary>
    public double? GradientClipValue { get; init; }

    /// <summary>Flush logged values to the sinks every N optimizer steps (the only per-window host sync of logging).</summary>
    public int LogEveryNSteps { get; init; } = 50;
    /// <summary>Show a progress display (a live bar on a terminal, plain lines otherwise).</summary>
    public bool ProgressBar { get; init; } = true;

    /// <summary>
    /// Seed of everything random during validation and testing (MLM masks, ELECTRA's replacements). Each evaluation runs under
    /// its own generator seeded with this, and leaves the training generator exactly where it was: two evaluations of the same
    /// weights agree, and runs with different training seeds are scored on the same masks.
    /// </summary>
    public long EvaluationSeed { get; init; }

    /// <summary>Device, threads, seed, determinism.</summary>
    public RuntimeOptions Runtime { get; init; } = new();

    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate()
    {
        new Validation("trainer")
            .Check(MaxSteps is null && MaxEpochs is null && MaxTokens is null && MaxTime is null && !FastDevRun,
                "MaxSteps/MaxEpochs/MaxTokens/MaxTime", "no stopping rule was given; set at least one (e.g. MaxSteps = 1000).")
            .AtLeast(MaxSteps, 1, nameof(MaxSteps))
            .AtLeast(MaxEpochs, 1, nameof(MaxEpochs))
            .AtLeast(MaxTokens, 1, nameof(MaxTokens))
            .Check(MaxTime is { } t && t <= TimeSpan.Zero, nameof(MaxTime), $"must be positive, got {MaxTime}.")
            .AtLeast(ValidateEveryNSteps, 1, nameof(ValidateEveryNSteps))
            .AtLeast(LimitTrainBatches, 1, nameof(LimitTrainBatches))
            .AtLeast(LimitValidationBatches, 1, nameof(LimitValidationBatches))
            .Check(SanityValidationBatches < 0, nameof(SanityValidationBatches), $"must be 0 or more, got {SanityValidationBatches}.")
            .Check(OverfitBatches < 0, nameof(OverfitBatches), $"must be 0 or more, got {OverfitBatches}.")
            .Check(AccumulateGradBatches < 1, nameof(AccumulateGradBatches), $"must be at least 1, got {AccumulateGradBatches}.")
            .Positive(GradientClipNorm, nameof(GradientClipNorm))
            .Positive(GradientClipValue, nameof(GradientClipValue))
            .Check(LogEveryNSteps < 1, nameof(LogEveryNSteps), $"must be at least 1, got {LogEveryNSteps}.")
            .AtLeast(Runtime.Threads, 1, "Runtime.Threads")
            .ThrowIfInvalid();
    }
}
