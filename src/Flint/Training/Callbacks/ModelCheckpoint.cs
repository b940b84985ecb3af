using Flint.Checkpoints;
using Flint.Runtime;
using Flint.Training.Events;

namespace Flint.Training.Callbacks;

/// <summary>
/// When to save and what to keep (Lightning's <c>ModelCheckpoint</c>, HF's <c>should_save</c>): <c>last</c> every
/// <see cref="EveryNSteps"/> steps, the best <see cref="TopK"/> by <see cref="Monitor"/> as <c>{prefix}-step-NNNNNNNN</c>,
/// and SIGINT/SIGTERM turned into an interrupt request. It only asks, through <see cref="TrainerControl"/>; the Trainer
/// decides when (after the validation and all its handlers, or after the step), writes atomically, refuses non-finite
/// saves and fires <c>CheckpointSaved</c>. The checkpoints folder is the Trainer's (<see cref="CheckpointOptions"/>).
/// </summary>
/// <remarks>
/// The top-k bookkeeping is read from the folders, not kept as checkpoint state: a process killed after writing a best
/// checkpoint but before <c>last</c> leaves a folder that state restored from <c>last</c> would not know (and never
/// delete); read from disk, the kept set is always what is there, and a resumed run keeps exactly the K best.
/// </remarks>
public sealed class ModelCheckpoint : Callback
{
    IDisposable? _listening;
    volatile TrainerControl? _control;
    volatile bool _signalled;

    /// <summary>Creates the policy; with no arguments it only turns signals into interrupts.</summary>
    /// <param name="everyNSteps">Request <c>last</c> every N optimizer steps, counted from the start of training (null: not by steps).</param>
    /// <param name="monitor">After each validation, keep the best <paramref name="topK"/> checkpoints by this metric, e.g. <c>val/loss</c> (null: none).</param>
    /// <param name="mode">Whether lower or higher <paramref name="monitor"/> is better. A NaN or infinite value is never kept.</param>
    /// <param name="topK">How many best checkpoints to keep.</param>
    /// <param name="interruptOnSignal">On SIGINT/SIGTERM (Ctrl-C), request an interrupt: the loop finishes the step, saves <c>last</c> and stops.</param>
    /// <param name="prefix">The best checkpoints' folder prefix; give a second monitoring <c>ModelCheckpoint</c> its own.</param>
    public ModelCheckpoint(long? everyNSteps = null, string? monitor = null, MonitorMode mode = MonitorMode.Min, int topK = 1,
        bool interruptOnSignal = true, string prefix = "best")
    {
        if (everyNSteps < 1) throw new ArgumentOutOfRangeException(nameof(everyNSteps), everyNSteps, "EveryNSteps must be at least 1 (or null for no periodic saves).");
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "TopK must be at least 1.");
        if (monitor is not null && string.IsNullOrWhiteSpace(monitor)) throw new ArgumentException("Monitor must name a logged metric, e.g. 'val/loss' (or be null).", nameof(monitor));
        if (string.IsNullOrWhiteSpace(prefix) || prefix == CheckpointRequest.Last || prefix.StartsWith('.') || prefix.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException($"Prefix '{prefix}' cannot name checkpoint folders: use a plain name other than 'last', not starting with '.'.", nameof(prefix));
        (EveryNSteps, Monitor, Mode, TopK, InterruptOnSignal, Prefix) = (everyNSteps, monitor, mode, topK, interruptOnSignal, prefix);
    }

    /// <summary>The policy <see cref="CheckpointOptions"/>' shorthand fields describe (what the Trainer attaches when no <c>ModelCheckpoint</c> is given).</summary>
    public static ModelCheckpoint From(CheckpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.EveryNSteps, options.Monitor, options.Mode, options.TopK, options.SaveOnInterrupt);
    }

    /// <summary>Save <c>last</c> every N steps (null: not by steps).</summary>
    public long? EveryNSteps { get; }
    /// <summary>The metric the best checkpoints are ranked by (null: none kept).</summary>
    public string? Monitor { get; }
    /// <summary>Whether lower or higher <see cref="Monitor"/> is better.</summary>
    public MonitorMode Mode { get; }
    /// <summary>How many best checkpoints are kept.</summary>
    public int TopK { get; }
    /// <summary>SIGINT/SIGTERM request an interrupt while a fit runs.</summary>
    public bool InterruptOnSignal { get; }
    /// <summary>Best checkpoints are named <c>{Prefix}-step-NNNNNNNN</c>.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public override int Order => 80;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        if (EveryNSteps is { } n)
            yield return events.BatchEnded.Subscribe((_, ctx) => ctx.Control.RequestCheckpoint(), Order, EventFilter.EveryStep(n), $"{Name}: request 'last'");
        if (Monitor is { } monitor)
        {
            yield return events.ValidationEnded.Subscribe(OnValidation, Order, name: $"{Name}: request '{Prefix}-step-N' if among the best {TopK} by {monitor} ({Mode})");
            yield return events.CheckpointSaved.Subscribe(OnSaved, Order, name: $"{Name}: delete all but the best {TopK} '{Prefix}-step-*'");
        }
        if (InterruptOnSignal)
        {
            // From the Trainer's creation on: a signal before the fit (while the run is set up) is saved at the first chance.
            ListenForSignals();
            yield return events.FitStarted.Subscribe(CatchSignals, Order, name: $"{Name}: SIGINT/SIGTERM request an interrupt");
            yield return events.FitEnded.Subscribe((_, _) => ReleaseSignals(), Order, name: $"{Name}: release SIGINT/SIGTERM");
            yield return new Release(this); // also when the Trainer is disposed without a FitEnded
        }
    }

    void OnValidation(ValidationEnded e, LoopContext ctx)
    {
        // Standalone Validate/Test and fast-dev-run have no checkpoints folder: there is nothing to keep.
        if (e.IsSanityCheck || e.Stage != Stage.Validate || ctx.Checkpoints is not { } store) return;
        if (!e.Metrics.TryGetValue(Monitor!, out var value))
            throw new InvalidOperationException($"ModelCheckpoint monitors '{Monitor}', which validation did not log. Logged: {string.Join(", ", e.Metrics.Keys)}.");
        if (!double.IsFinite(value)) return; // NaN is never better than anything
        var kept = Kept(store);
        if (kept.Count >= TopK && !kept.Any(k => Mode.Rank(value) < Mode.Rank(k.Metric))) return;
        ctx.Control.RequestCheckpoint($"{Prefix}-step-{e.Step:D8}", value);
    }

    /// <summary>Deletes only after the new best was written: a refused save (non-finite weights) leaves the kept ones alone.</summary>
    void OnSaved(CheckpointSaved e, LoopContext ctx)
    {
        if (ctx.Checkpoints is not { } store || !IsBest(Path.GetFileName(e.Path))) return;
        foreach (var evicted in Kept(store).OrderBy(k => Mode.Rank(k.Metric)).ThenBy(k => k.Step).Skip(TopK)) store.Delete(evicted.Name);
    }

    /// <summary>This callback's complete best checkpoints; the metric is read from <c>trainer.json</c> (hashing whole model files on every validation would be slow).</summary>
    List<(string Name, long Step, double Metric)> Kept(CheckpointStore store) =>
        store.All().Where(c => IsBest(Path.GetFileName(c.Folder)) && File.Exists(Path.Combine(c.Folder, CheckpointManifest.FileName)))
            .Select(c => (Path.GetFileName(c.Folder), c.Step, TrainerCheckpoint.Read(c.Folder).Metric ?? double.NaN)).ToList();

    bool IsBest(string name) => name.StartsWith($"{Prefix}-step-", StringComparison.Ordinal);

    /// <summary>A signal before or during the fit becomes an interrupt request; before the fit it waits for <see cref="CatchSignals"/>.</summary>
    void ListenForSignals()
    {
        _listening ??= Interrupts.Listen(_ =>
        {
            _signalled = true;
            _control?.RequestInterrupt(); // finish the step and save instead of dying mid-step
        });
    }

    void CatchSignals(FitStarted e, LoopContext ctx)
    {
        // Without a checkpoints folder (fast-dev-run) nothing would be saved: a signal simply ends the process, unless one already came.
        if (ctx.Checkpoints is null && !_signalled) { ReleaseSignals(); return; }
        ListenForSignals();
        _control = ctx.Control;
        if (_signalled) ctx.Control.RequestInterrupt(); // it came while the run was being set up: the loop saves before its first step
    }

    void ReleaseSignals()
    {
        _control = null;
        _signalled = false;
        Interlocked.Exchange(ref _listening, null)?.Dispose();
    }

    sealed class Release(ModelCheckpoint owner) : IDisposable
    {
        public void Dispose() => owner.ReleaseSignals();
    }
}
