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
    /// <param name="checkpoints">Where and when to write checkpoints (null: none). Required to resume from <c>last</c>.</param>
    public Trainer(TrainerOptions options, IEnumerable<Callback>? callbacks = null, IEnumerable<ILogSink>? sinks = null, TimeProvider? time = null,
        CheckpointOptions? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        checkpoints?.Validate();
        Options = options;
        Checkpoints = options.FastDevRun ? null : checkpoints; // fast-dev-run has no side effects
        _time = time ?? TimeProvider.System;
        if (options.ProgressBar && !options.FastDevRun) Add(new ProgressDisplay());
        foreach (var callback in callbacks ?? []) Add(callback);
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
        _callbacks.Add(callback);
        _subscriptions.AddRange(callback.Attach(Events));
        if (callback is ILogSink sink) _log.AddSink(sink);
        return this;
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
        Line(0, "fit:");
        Line(1, "setup: runtime (device, threads, seed) -> module.to(device) -> ConfigureOptimizers");
        Event(1, nameof(FitStarted));
        if (o.SanityValidationBatches > 0) Line(1, $"sanity validation ({o.SanityValidationBatches} batches, not logged): ValidationStarted/ValidationEnded");
        Line(1, "for each epoch:");
        Event(2, nameof(EpochStarted));
        Line(2, "for each optimizer step:");
        Line(3, "apply LR schedule (pure function of the step)");
        Event(3, nameof(BatchStarted));
        Line(3, $"for each of {o.AccumulateGradBatches} micro-batch(es): TransferToDevice -> TrainingStep -> BeforeBackward -> backward");
        Event(4, nameof(BeforeBackward));
        if (o.AccumulateGradBatches > 1) Line(3, "scale gradients by 1/Σcount (exact mean over the window)");
        if (o.Runtime.DistributedOrDefault.WorldSize > 1) Line(3, $"all-reduce gradients over {o.Runtime.DistributedOrDefault.WorldSize} processes");
        if (o.GradientClipNorm is { } norm) Line(3, $"clip gradient norm to {norm}");
        if (o.GradientClipValue is { } value) Line(3, $"clip gradient values to ±{value}");
        Event(3, nameof(BeforeOptimizerStep));
        Line(3, "optimizer.step (unless skip requested) -> zero_grad -> log train/loss (Σloss/Σcount)");
        Event(3, nameof(BatchEnded));
        Line(3, $"every {o.LogEveryNSteps} steps: flush logs (one host sync)");
        Event(4, nameof(LogsFlushed));
        Line(3, o.ValidateEveryNSteps is { } every ? $"every {every} steps or on request: validation" : "on request: validation");
        Event(4, nameof(ValidationStarted));
        Event(4, nameof(ValidationEnded));
        if (Checkpoints is { } c)
            Line(3, $"checkpoint 'last'{(c.EveryNSteps is { } n ? $" every {n} steps," : "")} on request and on a signal (then stop); best {c.TopK} by {c.Monitor ?? "(no monitor)"} after validation");
        else Line(3, "checkpoints: off");
        Event(4, nameof(CheckpointSaved));
        Line(3, "stop if: max steps/tokens/time reached or stop requested");
        if (o.ValidateEveryEpoch) Line(2, "end of epoch: validation");
        Event(2, nameof(EpochEnded));
        Event(1, nameof(FitEnded));
        Line(0, "on an exception anywhere in fit:");
        Event(1, nameof(ExceptionRaised));
        return string.Join(Environment.NewLine, lines);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _subscriptions) s.Dispose();
        _subscriptions.Clear();
        _log.Dispose();
    }
}
