using Flint.Checkpoints;
using Flint.Logging;
using Flint.Training.Callbacks;
using Flint.Training.Events;

namespace Flint.Training;

/// <summary>
/// Engineering, Lightning-style: runs a <see cref="FlintModule{TBatch}"/>'s steps with accumulation, clipping,
/// schedules, validation, logging and callbacks. The loop itself is one method (<c>Trainer.Fit.cs</c>) that reads top to
/// bottom; every feature around it is an event handler, and <see cref="DescribeLoop"/> prints them in firing order.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    readonly List<Callback> _callbacks = [];
    readonly List<IDisposable> _subscriptions = [];
    readonly MetricLog _log = new();
    readonly List<LogRecord> _history = [];
    readonly TimeProvider _time;

    /// <summary>Creates a trainer. Options are validated here, before any work.</summary>
    /// <param name="options">Engineering settings.</param>
    /// <param name="callbacks">Features to attach (early stopping, monitors, checkpoints, …).</param>
    /// <param name="sinks">Where logged values go (CSV, JSONL, TensorBoard, …). Ignored in fast-dev-run mode.</param>
    /// <param name="time">Clock for wall-time budgets and records; tests inject a fake one.</param>
    /// <param name="checkpoints">Where checkpoints go (null: none; required to resume from <c>last</c>), and a shorthand for the
    /// <see cref="ModelCheckpoint"/> attached when <paramref name="callbacks"/> holds none.</param>
    public Trainer(TrainerOptions options, IEnumerable<Callback>? callbacks = null, IEnumerable<ILogSink>? sinks = null, TimeProvider? time = null,
        CheckpointOptions? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        checkpoints?.Validate();
        Options = options;
        Checkpoints = options.FastDevRun ? null : checkpoints; // fast-dev-run has no side effects
        _hasCheckpointFolder = checkpoints is not null;
        _time = time ?? TimeProvider.System;
        var attached = (callbacks ?? []).ToList();
        if (checkpoints is not null && !attached.OfType<ModelCheckpoint>().Any()) attached.Add(ModelCheckpoint.From(checkpoints));
        else if (checkpoints is { SetsPolicy: true })
            throw new ArgumentException(
                "The checkpoint policy is set twice: in CheckpointOptions (EveryNSteps, Monitor, Mode, TopK, SaveOnInterrupt) and by an attached ModelCheckpoint. " +
                "Keep only the folder in CheckpointOptions and set the policy on the ModelCheckpoint.", nameof(checkpoints));
        if (options.ProgressBar && !options.FastDevRun) Add(new ProgressDisplay());
        foreach (var callback in attached) Add(callback);
        // Only the leader writes: other ranks would log the same run again.
        if (!options.FastDevRun && options.Runtime.DistributedOrDefault.IsLeader)
            foreach (var sink in sinks ?? []) _log.AddSink(sink);
    }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The events; subscribe to bend the loop without subclassing anything.</summary>
    public TrainerEvents Events { get; } = new();

    /// <summary>The attached callbacks.</summary>
    public IReadOnlyList<Callback> Callbacks => _callbacks;

    /// <summary>Attaches a callback (and, if it is also an <see cref="ILogSink"/>, registers it as a sink).</summary>
    public Trainer Add(Callback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (callback is ModelCheckpoint added) CheckCanAttach(added);
        _callbacks.Add(callback);
        _subscriptions.AddRange(callback.Attach(Events));
        if (callback is ILogSink sink) _log.AddSink(sink);
        return this;
    }

    readonly bool _hasCheckpointFolder;

    void CheckCanAttach(ModelCheckpoint added)
    {
        if (!_hasCheckpointFolder)
            throw new ArgumentException("A ModelCheckpoint needs a checkpoints folder: pass checkpoints: new CheckpointOptions(directory) to the Trainer.", nameof(added));
        if (added.Monitor is not null && _callbacks.OfType<ModelCheckpoint>().FirstOrDefault(c => c.Monitor is not null && c.Prefix == added.Prefix) is { } other)
            throw new ArgumentException(
                $"Two ModelCheckpoint callbacks keep best checkpoints named '{added.Prefix}-step-*' (by {other.Monitor} and by {added.Monitor}); each would delete " +
                "the other's. Give one another prefix: new ModelCheckpoint(..., prefix: \"best-acc\").", nameof(added));
    }

    /// <summary>The loop's structure with every handler in the order it runs: what happens, when, and who listens.</summary>
    public string DescribeLoop()
    {
        var handlers = Events.Describe().ToDictionary(e => e.Event, e => e.Handlers);
        var o = Options;
        var lines = new List<string>();
        void Line(int indent, string text) => lines.Add(new string(' ', indent * 2) + text);
        void Event(int indent, string name)
        {
            Line(indent, $"-> {name}");
            foreach (var (handler, order, filter) in handlers[name])
                Line(indent + 2, $"[{order,3}] {handler}{(filter is null ? "" : $" ({filter})")}");
        }
        void Validation(int indent)
        {
            Event(indent, nameof(ValidationStarted));
            Line(indent, "fresh pass from the first batch, own RNG (EvaluationSeed) -> ValidationStep per batch:");
            Event(indent + 1, nameof(ValidationBatchEnded));
            Line(indent, "flush");
            Event(indent, nameof(LogsFlushed));
            Event(indent, nameof(ValidationEnded));
            if (Checkpoints is not null) { Line(indent, "save the checkpoints requested so far (named ones, then 'last')"); Event(indent + 1, nameof(CheckpointSaved)); }
        }
        Line(0, "fit:");
        Line(1, "setup: runtime (device, threads, seed) -> module.to(device) -> ConfigureOptimizers -> restore a checkpoint (resume)");
        Event(1, nameof(FitStarted));
        if (o.SanityValidationBatches > 0)
            Line(1, $"sanity validation (first {o.SanityValidationBatches} batches, nothing it logs is kept; fresh runs only): ValidationStarted/ValidationBatchEnded/ValidationEnded");
        Line(1, "for each epoch:");
        Event(2, nameof(EpochStarted));
        Line(2, "for each optimizer step:");
        Line(3, "draw the step's micro-batches and TransferToDevice (the data running out first ends the epoch, without a step)");
        Line(3, "apply LR schedule (pure function of the step)");
        Event(3, nameof(BatchStarted));
        if (o.AccumulateGradBatches > 1 || o.Runtime.DistributedOrDefault.WorldSize > 1) Line(3, "a loss of several terms: CountLossTerms per micro-batch (each term's count over the step)");
        Line(3, $"for each of {o.AccumulateGradBatches} micro-batch(es): TrainingStep -> BeforeBackward -> backward");
        Event(4, nameof(BeforeBackward));
        int world = o.Runtime.DistributedOrDefault.WorldSize;
        if (world > 1) Line(3, $"sum gradients, loss sums and counts over {world} processes");
        if (o.AccumulateGradBatches > 1 || world > 1) Line(3, "scale gradients by 1/Σcount (exact mean over the window)");
        if (o.GradientClipNorm is { } norm) Line(3, $"clip gradient norm to {norm}");
        if (o.GradientClipValue is { } value) Line(3, $"clip gradient values to ±{value}");
        Event(3, nameof(BeforeOptimizerStep));
        Line(3, "optimizer.step (unless skip requested) -> zero_grad -> log train/loss (Σloss/Σcount)");
        Event(3, nameof(BatchEnded));
        Line(3, $"every {o.LogEveryNSteps} steps: flush logs (one host sync)");
        Event(4, nameof(LogsFlushed));
        Line(3, o.ValidateEveryNSteps is { } every ? $"every {every} steps or on request: validation" : "on request: validation");
        Validation(4);
        Line(3, Checkpoints is null ? "checkpoints: off (requests are dropped)"
            : "save the checkpoints requested (named ones, then 'last'); on an interrupt always 'last', then stop, writing nothing more");
        Event(4, nameof(CheckpointSaved));
        Line(3, "stop if: max steps/tokens/time reached or stop requested");
        Line(2, "when the epoch's data ran out:");
        if (o.ValidateEveryEpoch) { Line(3, "validation (unless this step was just validated)"); Validation(4); }
        Line(3, "flush epoch logs");
        Event(4, nameof(LogsFlushed));
        Event(3, nameof(EpochEnded));
        Line(1, "finish (unless interrupted):");
        Line(2, "validation over all the validation data (unless this step's was)");
        Validation(3);
        Line(2, "flush the remaining logs");
        Event(3, nameof(LogsFlushed));
        Line(2, "if the fit stopped mid-epoch:");
        Event(3, nameof(EpochEnded));
        Line(2, Checkpoints is null ? "checkpoints: off" : "save the checkpoints requested, then always 'last', marked completed");
        Event(3, nameof(CheckpointSaved));
        Event(1, nameof(FitEnded));
        Line(0, "on an exception anywhere in fit (no checkpoint is saved: the failed step has moved data, RNG and logs):");
        Event(1, nameof(ExceptionRaised));
        Line(1, $"then {nameof(FitEnded)}; a handler failing there never hides the original exception");
        return string.Join(Environment.NewLine, lines);
    }

    /// <inheritdoc />
    /// <remarks>Disposes the attached callbacks that are <see cref="IDisposable"/> (a callback owning tensors frees them here).</remarks>
    public void Dispose()
    {
        foreach (var s in _subscriptions) s.Dispose();
        _subscriptions.Clear();
        foreach (var callback in _callbacks.OfType<IDisposable>().Where(c => c is not ILogSink)) callback.Dispose(); // sinks are disposed by the log
        _log.Dispose();
    }
}
