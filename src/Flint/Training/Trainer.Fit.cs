using Flint.Logging;
using Flint.Runtime;
using Flint.Runtime.Distributed;
using Flint.Training.Events;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Trains <paramref name="module"/> on <paramref name="train"/> until a stopping rule fires, validating on
    /// <paramref name="validation"/> when given. Any <see cref="IEnumerable{T}"/> of batches works; it is enumerated once per
    /// epoch. With an <see cref="IEpochSource{TBatch}"/> (Flint's loaders) the Trainer owns the data position, so limits and
    /// resumes are exact; every validation is a fresh pass from the first batch.
    /// </summary>
    /// <param name="module">The research code.</param>
    /// <param name="train">Training batches (an <see cref="IStateful"/> loader resumes from its own cursor; other data is replayed and skipped).</param>
    /// <param name="validation">Validation batches, or null.</param>
    /// <param name="resume"><c>last</c> (the newest valid checkpoint, or a fresh start when there is none) or a checkpoint folder.</param>
    /// <param name="allowChangedConfig">Resume even though exactness-relevant settings differ from the checkpoint's.</param>
    public FitResult Fit<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> train, IEnumerable<TBatch>? validation = null,
        string? resume = null, bool allowChangedConfig = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(train);
        var o = EffectiveOptions();
        if (Options.ValidateEveryNSteps is { } due && validation is null)
            throw new ArgumentException(
                $"TrainerOptions.ValidateEveryNSteps is {due}, but Fit was given no validation data. Pass validation batches, or set ValidateEveryNSteps to null.",
                nameof(validation));
        if (o.OverfitBatches > 0)
        {
            train = train.Take(o.OverfitBatches).ToList(); // the same batches every epoch, and for validation too
            validation = train;
        }

        using var loop = Prepare(module, train, validation, o, resume, allowChangedConfig, out var restored, out var planned);
        var (state, control, ctx) = (loop.State, loop.Control, loop.Ctx);
        long trainable = module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

        Exception? failure = null;
        try
        {
            Events.FitStarted.Fire(new FitStarted(state.Step, planned, trainable), ctx);
            // A finished run resumed does nothing more, unless its budget was deliberately raised (--allow-config-change).
            if (restored?.Completed == true && (!_resumedWithChanges || StopRule(o, state, control) is not null))
                state.StopReason = restored.StopReason ?? "finished";
            else
            {
                if (restored is null && validation is not null && o.SanityValidationBatches > 0)
                    Evaluate(module, validation, Stage.Validate, o.SanityValidationBatches, sanity: true, ctx);
                state.StopReason = restored is null ? null : StopRule(o, state, control);
                if (state.StopReason is null) InterruptNow(loop); // a signal during setup or the sanity check: save before the first step
                while (true)
                {
                    if (state.StopReason is null && !state.EpochFinished) RunEpoch(loop);
                    if (loop.Interrupted) break; // the checkpoint just saved holds everything; write nothing after it
                    if (state.EpochFinished) EndEpoch(loop);
                    if (state.StopReason is not null) break;
                }
                if (!loop.Interrupted) Finish(loop);
            }
        }
        catch (Exception e)
        {
            failure = e;
            state.StopReason = $"exception: {e.GetType().Name}: {e.Message}";
            Events.ExceptionRaised.Fire(new ExceptionRaised(state.Step, e), ctx);
            throw; // no checkpoint: the failed step has moved data, RNG and logs past the last consistent state
        }
        finally
        {
            _finalState = state.Snapshot(Stage.Test);
            try
            {
                Events.FitEnded.Fire(new FitEnded(state.Step, state.StopReason ?? "unknown"), ctx);
            }
            catch (Exception fitEnded) when (failure is not null)
            {
                failure.Data["FitEnded handler failure"] = fitEnded.ToString(); // the original failure is the one to report
            }
        }
        long epochs = state.Epoch + (state.BatchInEpoch > 0 ? 1 : 0);
        return new FitResult(state.Step, (int)epochs, state.TokensSeen, state.SamplesSeen, state.Elapsed, state.StopReason!, state.LastValidation, _history.ToList(), loop.Interrupted);
    }

    /// <summary>
    /// Setup in the order TorchSharp needs: runtime → module on its device → optimizer over the moved parameters → restore
    /// a checkpoint (weights in place, optimizer state, loop state, RNG) → with several processes, rank 0's weights everywhere.
    /// </summary>
    Loop<TBatch> Prepare<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> train, IEnumerable<TBatch>? validation, TrainerOptions o, string? resume,
        bool allowChangedConfig, out Checkpoints.TrainerCheckpoint? restored, out long? planned)
    {
        var runtime = FlintRuntime.Create(o.Runtime);
        var world = runtime.Distributed;
        if (world.WorldSize > 1) runtime.Seed(o.Runtime.Seed + world.Rank); // each rank its own dropout and masks; weights come from rank 0
        module.to(runtime.Device);
        module.train();
        _log.AcrossRanks = world;
        planned = PlannedSteps(o, train);
        var optimizer = module.ConfigureOptimizers(new OptimizerPlan(planned, o.AccumulateGradBatches));
        var nonFinite = zeros([], ScalarType.Bool, runtime.Device).DetachFromDisposeScope();
        var session = NewSession(module, optimizer, train, nonFinite, FormattableString.Invariant($"{module.Optimization}"));
        var state = new TrainerState();
        try
        {
            restored = Restore(session, state, resume, allowChangedConfig);
            if (world.WorldSize > 1) StartTogether(world, module);
        }
        catch
        {
            optimizer.Dispose(); // a refused resume leaves nothing behind
            nonFinite.Dispose();
            throw;
        }
        // Only the leader writes or deletes checkpoints; the other ranks read the same folders.
        var store = Checkpoints is null ? null : new Checkpoints.CheckpointStore(Checkpoints.Directory) { Writes = world.IsLeader };
        store?.CleanUp(); // leftovers of a save that was killed
        var ctx = new LoopContext(state, new TrainerControl(), _log, runtime.Device) { Optimizer = optimizer, Module = module, Checkpoints = store };
        var clock = _time.GetTimestamp();
        state.StartClock(() => _time.GetElapsedTime(clock));
        _history.Clear();
        _finalState = null;
        return new Loop<TBatch>(module, train, validation, o, runtime, optimizer, session, ctx);
    }

    /// <summary>Every rank starts from rank 0's weights, checked once by hash.</summary>
    static void StartTogether(IDistributedContext world, nn.Module module)
    {
        using (no_grad()) world.Broadcast([.. module.parameters(), .. module.buffers()]);
        if (!world.SameOnEveryRank(module.parameters().SelectMany(p => p.bytes.ToArray()).ToArray()))
            throw new InvalidOperationException("After broadcasting rank 0's weights the ranks still differ; check that every rank runs the same Flint and model.");
    }

    /// <summary>What one fit's steps share; built once so the step code below reads as the loop and nothing else.</summary>
    sealed record Loop<TBatch>(FlintModule<TBatch> Module, IEnumerable<TBatch> Train, IEnumerable<TBatch>? Validation, TrainerOptions O,
        FlintRuntime Runtime, Optim.OptimizerSetup Optimizer, Session Session, LoopContext Ctx) : IDisposable
    {
        /// <summary>Frees the optimizer and the loss flag when the fit ends.</summary>
        public void Dispose()
        {
            Optimizer.Dispose();
            Session.NonFinite.Dispose();
        }

        public TrainerState State => Ctx.State;
        public TrainerControl Control => Ctx.Control;
        /// <summary>A signal was honoured: a checkpoint was saved after the last step and the fit stops there.</summary>
        public bool Interrupted { get; set; }
        /// <summary>This rank's samples and tokens in the last step (summed over the ranks between steps).</summary>
        public (long Samples, long Tokens) StepSize { get; set; }
    }

    /// <summary>Optimizer steps over the rest of the current epoch, until its data runs out or a stopping rule fires.</summary>
    void RunEpoch<TBatch>(Loop<TBatch> l)
    {
        var (o, state, control, optimizer, module) = (l.O, l.State, l.Control, l.Optimizer, l.Module);
        var distributed = l.Runtime.Distributed;
        bool sums = o.AccumulateGradBatches > 1 || distributed.WorldSize > 1; // back-propagate sums, divide once by the global count
        Events.EpochStarted.Fire(new EpochStarted(state.Epoch), l.Ctx);
        using var batches = EpochBatches(l.Train, state.Epoch, state.BatchInEpoch, o.LimitTrainBatches);
        var window = new List<TBatch>(o.AccumulateGradBatches);
        var loss = new StepWindow();
        while (state.StopReason is null && !state.EpochFinished)
        {
            // The scope opens before the batches are drawn, so tensors a loader creates for this step die with it.
            using (NewDisposeScope())
            {
                // The step's micro-batches, on the device; an epoch that ends mid-window steps on those it has (Σsum/Σcount stays exact).
                window.Clear();
                while (window.Count < o.AccumulateGradBatches && batches.MoveNext()) window.Add(module.TransferToDevice(batches.Current, l.Runtime.Device));
                if (window.Count < o.AccumulateGradBatches) state.EpochFinished = true;
                if (window.Count == 0)
                {
                    if (state.BatchInEpoch == 0) throw StepChecks.EmptyEpoch(state, o.LimitTrainBatches);
                    break;
                }
                optimizer.ApplySchedule(state.Step);
                Events.BatchStarted.Fire(new BatchStarted(state.Step, optimizer.LearningRate()), l.Ctx);
                loss.Begin(sums ? WindowCounts(module, window) : null, distributed);
                long samples = 0, tokens = 0;
                for (int micro = 0; micro < window.Count; micro++)
                {
                    state.BatchInEpoch++;
                    var output = Step(Stage.Train, module, window[micro], l.Ctx);
                    var where = StepChecks.Training(output, module, state);
                    // One micro-batch in one process: back-propagate the mean directly. Otherwise sums, divided once below.
                    var objective = loss.Objective(output, sums, where);
                    Events.BeforeBackward.Fire(new BeforeBackward(state.Step, micro, objective), l.Ctx);
                    objective.backward();
                    loss.Add(output, where);
                    samples += output.Samples;
                    tokens += output.Tokens;
                }
                var (localLoss, localCount) = loss.Local; // logged per rank; the log sums windows over the ranks at each flush
                // Σ over ranks of the loss-gradient sums, the loss sums and the counts; then one division by the global count.
                if (distributed.WorldSize > 1) loss.AllReduce(distributed, optimizer.Parameters.Select(p => p.grad).OfType<Tensor>());
                if (sums && loss.GradientScale is { } scale) FlintRuntime.ScaleGradients(optimizer.Parameters, scale);
                var meanLoss = loss.Mean;
                Tensor? gradNorm = o.GradientClipNorm is { } maxNorm ? FlintRuntime.ClipGradNorm(optimizer.Parameters, maxNorm) : null;
                if (o.GradientClipValue is { } maxValue) FlintRuntime.ClipGradValue(optimizer.Parameters, maxValue);
                Events.BeforeOptimizerStep.Fire(new BeforeOptimizerStep(state.Step, gradNorm, meanLoss), l.Ctx);
                bool skipped = control.SkipStepRequested;
                if (!skipped) optimizer.Optimizer.step();
                optimizer.Optimizer.zero_grad();
                control.ClearStepRequests();

                state.Step++;
                l.StepSize = (samples, tokens);
                if (distributed.WorldSize == 1) (state.SamplesSeen, state.TokensSeen) = (state.SamplesSeen + samples, state.TokensSeen + tokens);
                if (!skipped) // a step a handler refused (e.g. NonFiniteGuard) neither counts in the loss nor trips the NaN check
                {
                    loss.Log(_log, localLoss, localCount);
                    l.Session.NonFinite.logical_or_(meanLoss.isfinite().logical_not());
                }
                Events.BatchEnded.Fire(new BatchEnded(state.Step, meanLoss, samples, tokens, skipped) { Outputs = loss.Outputs }, l.Ctx);
            }
            AfterStep(l);
        }
    }

    /// <summary>Each loss term's count over the step's micro-batches (null for a module that does not count its terms).</summary>
    static Dictionary<string, Tensor>? WindowCounts<TBatch>(FlintModule<TBatch> module, List<TBatch> window)
    {
        Dictionary<string, Tensor>? totals = null;
        foreach (var batch in window)
        {
            if (module.CountLossTerms(batch) is not { } counts) return null;
            totals ??= counts.Keys.ToDictionary(k => k, _ => zeros([], ScalarType.Float64), StringComparer.Ordinal);
            foreach (var (name, count) in counts)
                totals[name] = totals.TryGetValue(name, out var sum) ? sum.to(count.device) + count.to_type(ScalarType.Float64).reshape([])
                    : throw new InvalidOperationException($"{module.GetType().Name}.CountLossTerms named '{name}' for one batch of the step but not for its first.");
        }
        return totals;
    }

    /// <summary>Between steps: logs, validation and checkpoints when due, then the stopping rules.</summary>
    void AfterStep<TBatch>(Loop<TBatch> l)
    {
        var (o, state, control) = (l.O, l.State, l.Control);
        if (l.Runtime.Distributed.WorldSize > 1) Agree(l);
        l.Interrupted = control.InterruptRequested && Checkpoints is not null; // read once: a signal arriving later waits for the next step
        if (l.Interrupted) control.RequestCheckpoint(); // the resume guarantee: an interrupt saves 'last', whatever the callbacks ask
        if (state.Step % o.LogEveryNSteps == 0) Flush(l.Ctx, LogInterval.Step, l.Session.NonFinite);
        if (l.Validation is not null && (control.ValidationRequested || (o.ValidateEveryNSteps is { } every && state.Step % every == 0)))
        {
            control.ClearValidationRequest();
            // On the step budget's last step, the closing validation's job: all batches, once (not a partial one and then a full one, both at this step).
            ValidateNow(l, o.MaxSteps is { } max && state.Step >= max ? null : o.LimitValidationBatches);
        }
        SaveRequested(l);
        state.StopReason = l.Interrupted ? Interruption(state) : StopRule(o, state, control);
    }

    /// <summary>Honours an interrupt requested before any step of this fit ran: <c>last</c> is saved where the fit stands (step 0 on a fresh run).</summary>
    void InterruptNow<TBatch>(Loop<TBatch> l)
    {
        l.Interrupted = l.Control.InterruptRequested && Checkpoints is not null;
        if (!l.Interrupted) return;
        l.Control.RequestCheckpoint();
        SaveRequested(l);
        l.State.StopReason = Interruption(l.State);
    }

    string Interruption(TrainerState state) =>
        $"interrupted at step {state.Step} (a checkpoint was saved in {Checkpoints!.Directory}; continue with Fit(…, resume: \"last\"), or --resume last on the command line)";

    /// <summary>
    /// Several processes decide together, between steps: the samples and tokens of the step are summed, and a request or a
    /// time budget on any rank (a signal reaches the ranks at different moments) holds for all, so no rank stops alone and
    /// leaves the others waiting in a collective. One small all-reduce per step.
    /// </summary>
    void Agree<TBatch>(Loop<TBatch> l)
    {
        var (o, state, control) = (l.O, l.State, l.Control);
        bool timeUp = o.MaxTime is { } maxTime && state.Elapsed >= maxTime;
        double[] mine = [l.StepSize.Samples, l.StepSize.Tokens, control.StopRequested ? 1 : 0, control.InterruptRequested ? 1 : 0,
            control.CheckpointRequested ? 1 : 0, control.ValidationRequested ? 1 : 0, timeUp ? 1 : 0];
        using var scope = NewDisposeScope();
        var all = tensor(mine);
        l.Runtime.Distributed.AllReduceSum([all]);
        var sum = all.data<double>().ToArray();
        state.SamplesSeen += (long)sum[0];
        state.TokensSeen += (long)sum[1];
        if (sum[2] > 0) control.RequestStop(control.StopReason ?? "a stop was requested on another process");
        if (sum[3] > 0) control.RequestInterrupt();
        if (sum[4] > 0) control.RequestCheckpoint();
        if (sum[5] > 0) control.RequestValidation();
        if (sum[6] > 0 && !timeUp) control.RequestStop($"max time ({o.MaxTime}) reached on another process");
    }

    /// <summary>The epoch's data ran out: its validation, its logs, then the next epoch (or the epoch budget's stop).</summary>
    void EndEpoch<TBatch>(Loop<TBatch> l)
    {
        var (o, state) = (l.O, l.State);
        bool lastEpoch = o.MaxEpochs is { } epochs && state.Epoch + 1 >= epochs || o.MaxSteps is { } max && state.Step >= max;
        if (l.Validation is not null && o.ValidateEveryEpoch && state.ValidatedAt != state.Step) ValidateNow(l, lastEpoch ? null : o.LimitValidationBatches);
        Flush(l.Ctx, LogInterval.Epoch, l.Session.NonFinite);
        Events.EpochEnded.Fire(new EpochEnded(state.Epoch, state.BatchInEpoch), l.Ctx);
        state.Epoch++;
        state.BatchInEpoch = 0;
        state.EpochFinished = false;
        state.StopReason ??= StopRule(o, state, l.Control);
    }

    /// <summary>
    /// The end of every fit that was not interrupted: a validation over all the validation data (unless the newest one was
    /// exactly that, at this step), the remaining logs, and the final <c>last</c> checkpoint, marked completed.
    /// </summary>
    void Finish<TBatch>(Loop<TBatch> l)
    {
        var (o, state) = (l.O, l.State);
        bool validationOn = o.ValidateEveryEpoch || o.ValidateEveryNSteps is not null;
        if (l.Validation is not null && validationOn && !(state.ValidatedAt == state.Step && (state.ValidatedFully || o.FastDevRun)))
            ValidateNow(l, limit: o.FastDevRun ? o.LimitValidationBatches : null); // fast-dev-run: one batch of each, nothing more
        Flush(l.Ctx, LogInterval.Epoch, l.Session.NonFinite);
        if (state.BatchInEpoch > 0) Events.EpochEnded.Fire(new EpochEnded(state.Epoch, state.BatchInEpoch), l.Ctx); // stopped mid-epoch
        SaveRequested(l, completed: true); // 'last', where the next command looks
    }

    void ValidateNow<TBatch>(Loop<TBatch> l, long? limit)
    {
        var state = l.State;
        state.LastValidation = Evaluate(l.Module, l.Validation!, Stage.Validate, limit, sanity: false, l.Ctx);
        state.ValidatedAt = state.Step;
        state.ValidatedFully = limit is null || (l.Validation is IReadOnlyCollection<TBatch> all && all.Count <= limit);
        SaveRequested(l); // after every ValidationEnded handler: a best checkpoint holds their updated state (early stopping, plateau)
    }

    /// <summary>The batches of one epoch from <paramref name="from"/> on, at most <paramref name="limit"/> of the epoch in all.</summary>
    static IEnumerator<TBatch> EpochBatches<TBatch>(IEnumerable<TBatch> train, int epoch, long from, long? limit)
    {
        long? rest = limit is { } n ? Math.Max(0, n - from) : null;
        if (train is IEpochSource<TBatch> source) return Limit(source.Batches(epoch, from), rest).GetEnumerator();
        if (train is IStateful) return Limit(train, rest).GetEnumerator(); // a self-positioning loader continues from its own cursor
        var replay = Limit(train, limit).GetEnumerator(); // anything else is replayed from the epoch's start and skipped
        for (long i = 0; i < from && replay.MoveNext(); i++) { }
        return replay;
    }

    TrainerOptions EffectiveOptions() => Options.FastDevRun
        ? Options with
        {
            MaxSteps = 1, MaxEpochs = 1, LimitTrainBatches = 1, LimitValidationBatches = 1, SanityValidationBatches = 0,
            AccumulateGradBatches = 1, ValidateEveryNSteps = 1, ValidateEveryEpoch = false,
        }
        : Options;

    string? StopRule(TrainerOptions o, TrainerState state, TrainerControl control)
    {
        if (control.InterruptRequested && Checkpoints is null) return $"interrupted at step {state.Step} (no checkpoints are configured, so none was saved)";
        if (control.StopRequested) return control.StopReason;
        if (o.MaxSteps is { } maxSteps && state.Step >= maxSteps) return $"max steps ({maxSteps}) reached";
        if (o.MaxEpochs is { } maxEpochs && state.Epoch >= maxEpochs) return $"max epochs ({maxEpochs}) reached";
        if (o.MaxTokens is { } maxTokens && state.TokensSeen >= maxTokens) return $"max tokens ({maxTokens}) reached";
        if (o.MaxTime is { } maxTime && state.Elapsed >= maxTime) return $"max time ({maxTime}) reached";
        return null;
    }

    static long? PlannedSteps<TBatch>(TrainerOptions o, IEnumerable<TBatch> train)
    {
        if (o.MaxSteps is { } steps) return steps;
        if (o.MaxEpochs is not { } epochs) return null;
        int batches;
        if (train is IReadOnlyCollection<TBatch> collection) batches = collection.Count; // loaders know their epoch length
        else if (!train.TryGetNonEnumeratedCount(out batches)) return null;
        long perEpoch = o.LimitTrainBatches is { } limit ? Math.Min(limit, batches) : batches;
        return epochs * ((perEpoch + o.AccumulateGradBatches - 1) / o.AccumulateGradBatches);
    }

    static IEnumerable<T> Limit<T>(IEnumerable<T> data, long? limit) => limit is { } n ? data.Take((int)Math.Min(n, int.MaxValue)) : data;

    void Flush(LoopContext ctx, LogInterval interval, Tensor nonFinite, string? prefix = null)
    {
        // The loss flag is read at the same moment as the logs, so a NaN costs no extra sync and never goes unnoticed.
        if (nonFinite.item<bool>())
            throw new NonFiniteLossException(
                $"The training loss became NaN or infinite at some step up to {ctx.State.Step} (checked every {Options.LogEveryNSteps} steps). " +
                "Lower the learning rate, clip gradients (GradientClipNorm), or add NonFiniteGuard to stop at the exact step and name the parameter.");
        var records = _log.Flush(ctx.Position, interval, prefix);
        Publish(ctx, records);
    }

    void Publish(LoopContext ctx, IReadOnlyList<LogRecord> records)
    {
        if (records.Count == 0) return;
        _history.AddRange(records);
        Events.LogsFlushed.Fire(new LogsFlushed(ctx.State.Step, records), ctx);
    }
}
