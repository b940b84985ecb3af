using Flint.Logging;
using static TorchSharp.torch;

namespace Flint.Training.Events;

// One small payload per event. Tensors in payloads are detached views valid only during the handler; read them
// with care: calling .item() on one is a device sync you asked for.

/// <summary>Fit is about to start (after the model, optimizer and data were set up).</summary>
/// <param name="StartStep">0, or the step a resumed run continues from.</param>
/// <param name="PlannedSteps">The step budget if known (MaxSteps, or epochs × batches when the data has a count).</param>
/// <param name="TrainableParameters">Number of trainable parameters.</param>
public readonly record struct FitStarted(long StartStep, long? PlannedSteps, long TrainableParameters) : IEventArgs
{
    /// <inheritdoc />
    public long Index => StartStep;
}

/// <summary>Fit has ended, normally or not.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Reason">Why the loop stopped.</param>
public readonly record struct FitEnded(long Step, string Reason) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step;
}

/// <summary>An epoch begins. <paramref name="Epoch"/> is 0-based; <see cref="Index"/> is 1-based.</summary>
public readonly record struct EpochStarted(int Epoch) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Epoch + 1;
}

/// <summary>An epoch has ended. <paramref name="Epoch"/> is 0-based; <see cref="Index"/> is 1-based.</summary>
/// <param name="Epoch">The epoch that ended.</param>
/// <param name="Batches">Batches seen in it.</param>
public readonly record struct EpochEnded(int Epoch, long Batches) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Epoch + 1;
}

/// <summary>An optimizer step begins: its first micro-batch has been drawn (so an epoch whose data ran out fires none), the LR schedule applied, nothing computed yet. <see cref="Index"/> is the step about to complete.</summary>
/// <param name="Step">Optimizer steps completed so far.</param>
/// <param name="LearningRate">The first group's LR for this step (the schedule was just applied).</param>
public readonly record struct BatchStarted(long Step, double LearningRate) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step + 1;
}

/// <summary>A micro-batch's loss is about to be back-propagated.</summary>
/// <param name="Step">Optimizer steps completed so far.</param>
/// <param name="MicroBatch">0-based index within the accumulation window.</param>
/// <param name="Loss">The tensor <c>backward()</c> is about to be called on.</param>
public readonly record struct BeforeBackward(long Step, int MicroBatch, Tensor Loss) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step + 1;
}

/// <summary>Gradients are complete (accumulated, scaled and clipped); the optimizer is about to step. A handler may ask to skip it.</summary>
/// <param name="Step">Optimizer steps completed so far.</param>
/// <param name="GradNorm">Total L2 norm of the gradients before clipping, when clipping by norm is on (else null).</param>
/// <param name="Loss">The step's mean loss (Σ loss / Σ count over its micro-batches).</param>
public readonly record struct BeforeOptimizerStep(long Step, Tensor? GradNorm, Tensor Loss) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step + 1;
}

/// <summary>An optimizer step completed.</summary>
/// <param name="Step">Optimizer steps completed, including this one.</param>
/// <param name="Loss">The step's mean loss as a scalar tensor.</param>
/// <param name="Samples">Samples in the step.</param>
/// <param name="Tokens">Tokens in the step.</param>
/// <param name="Skipped">True when a handler asked to skip the update.</param>
public readonly record struct BatchEnded(long Step, Tensor Loss, long Samples, long Tokens, bool Skipped) : IEventArgs
{
    /// <summary>What each micro-batch's step put in <see cref="StepOutput.Outputs"/>; its tensors are freed when the handlers return.</summary>
    public StepOutputs Outputs { get; init; }

    /// <inheritdoc />
    public long Index => Step;
}

/// <summary>A validation (or test) run begins.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Stage"><c>val</c> or <c>test</c>.</param>
/// <param name="IsSanityCheck">True for the short check before training starts.</param>
public readonly record struct ValidationStarted(long Step, Stage Stage, bool IsSanityCheck) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step;
}

/// <summary>One batch of a validation (or test) run was evaluated (fired only when something listens).</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Stage"><c>Validate</c> or <c>Test</c>.</param>
/// <param name="IsSanityCheck">True for the short check before training starts.</param>
/// <param name="Batch">0-based index of the batch in this run.</param>
/// <param name="Loss">The batch's loss (Σsum/Σcount, or the combination of its terms).</param>
public readonly record struct ValidationBatchEnded(long Step, Stage Stage, bool IsSanityCheck, long Batch, Tensor Loss) : IEventArgs
{
    /// <summary>What the step put in <see cref="StepOutput.Outputs"/>; its tensors are freed when the handlers return.</summary>
    public StepOutputs Outputs { get; init; }

    /// <inheritdoc />
    public long Index => Batch + 1;
}

/// <summary>A validation (or test) run has ended with its reduced metrics (already host values).</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Stage"><c>val</c> or <c>test</c>.</param>
/// <param name="IsSanityCheck">True for the short check before training starts.</param>
/// <param name="Metrics">The reduced values, e.g. <c>val/loss</c>.</param>
public readonly record struct ValidationEnded(long Step, Stage Stage, bool IsSanityCheck, IReadOnlyDictionary<string, double> Metrics) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step;
}

/// <summary>Logged values were flushed to the sinks.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Records">The records written.</param>
public readonly record struct LogsFlushed(long Step, IReadOnlyList<LogRecord> Records) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step;
}

/// <summary>A checkpoint was written completely.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Path">The checkpoint folder.</param>
public readonly record struct CheckpointSaved(long Step, string Path) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step;
}

/// <summary>The loop is failing with <paramref name="Exception"/>; handlers run before it propagates.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Exception">What went wrong.</param>
public readonly record struct ExceptionRaised(long Step, Exception Exception) : IEventArgs
{
    /// <inheritdoc />
    public long Index => Step;
}
