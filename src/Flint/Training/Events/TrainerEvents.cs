namespace Flint.Training.Events;

/// <summary>Every event the Trainer fires, in the order they first fire in a fit.</summary>
public sealed class TrainerEvents
{
    /// <summary>Fit starts (after setup).</summary>
    public Event<FitStarted> FitStarted { get; } = new(nameof(FitStarted));
    /// <summary>An epoch starts.</summary>
    public Event<EpochStarted> EpochStarted { get; } = new(nameof(EpochStarted));
    /// <summary>An optimizer step starts.</summary>
    public Event<BatchStarted> BatchStarted { get; } = new(nameof(BatchStarted));
    /// <summary>A micro-batch loss is about to be back-propagated.</summary>
    public Event<BeforeBackward> BeforeBackward { get; } = new(nameof(BeforeBackward));
    /// <summary>Gradients are ready; the optimizer is about to step.</summary>
    public Event<BeforeOptimizerStep> BeforeOptimizerStep { get; } = new(nameof(BeforeOptimizerStep));
    /// <summary>An optimizer step completed.</summary>
    public Event<BatchEnded> BatchEnded { get; } = new(nameof(BatchEnded));
    /// <summary>Logged values were written to the sinks.</summary>
    public Event<LogsFlushed> LogsFlushed { get; } = new(nameof(LogsFlushed));
    /// <summary>A validation or test run starts.</summary>
    public Event<ValidationStarted> ValidationStarted { get; } = new(nameof(ValidationStarted));
    /// <summary>One validation or test batch was evaluated, with what its step produced.</summary>
    public Event<ValidationBatchEnded> ValidationBatchEnded { get; } = new(nameof(ValidationBatchEnded));
    /// <summary>A validation or test run ended, with its metrics.</summary>
    public Event<ValidationEnded> ValidationEnded { get; } = new(nameof(ValidationEnded));
    /// <summary>A checkpoint was written.</summary>
    public Event<CheckpointSaved> CheckpointSaved { get; } = new(nameof(CheckpointSaved));
    /// <summary>An epoch ended.</summary>
    public Event<EpochEnded> EpochEnded { get; } = new(nameof(EpochEnded));
    /// <summary>Fit ended.</summary>
    public Event<FitEnded> FitEnded { get; } = new(nameof(FitEnded));
    /// <summary>The loop is failing.</summary>
    public Event<ExceptionRaised> ExceptionRaised { get; } = new(nameof(ExceptionRaised));

    /// <summary>Each event's name with its handlers, in firing order.</summary>
    public IReadOnlyList<(string Event, IReadOnlyList<(string Name, int Order, string? Filter)> Handlers)> Describe() =>
    [
        (FitStarted.Name, FitStarted.Handlers), (EpochStarted.Name, EpochStarted.Handlers), (BatchStarted.Name, BatchStarted.Handlers),
        (BeforeBackward.Name, BeforeBackward.Handlers), (BeforeOptimizerStep.Name, BeforeOptimizerStep.Handlers),
        (BatchEnded.Name, BatchEnded.Handlers), (LogsFlushed.Name, LogsFlushed.Handlers),
        (ValidationStarted.Name, ValidationStarted.Handlers),
        (ValidationBatchEnded.Name, ValidationBatchEnded.Handlers), (ValidationEnded.Name, ValidationEnded.Handlers),
        (CheckpointSaved.Name, CheckpointSaved.Handlers), (EpochEnded.Name, EpochEnded.Handlers),
        (FitEnded.Name, FitEnded.Handlers), (ExceptionRaised.Name, ExceptionRaised.Handlers),
    ];
}
