using Flint.Logging;
using Flint.Runtime;
using Flint.Training.Events;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Trains <paramref name="module"/> on <paramref name="train"/> until a stopping rule fires, validating on
    /// <paramref name="validation"/> when given. Any <see cref="IEnumerable{T}"/> of batches works; it is enumerated once per epoch.
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
        if (Options.ValidateEveryNSteps is not null && validation is null)
            throw new ArgumentException($"ValidateEveryNSteps is {o.ValidateEveryNSteps} but no validation data was given to Fit.", nameof(validation));
        if (o.OverfitBatches > 0)
        {
            train = train.Take(o.OverfitBatches).ToList(); // the same batches every epoch, and for validation too
            validation = train;
        }

        // Setup in the order TorchSharp needs: runtime -> module on its device -> optimizer over the moved parameters.
        var runtime = FlintRuntime.Create(o.Runtime);
        module.to(runtime.Device);
        module.train();
        var planned = PlannedSteps(o, train);
        using var optimizer = module.ConfigureOptimizers(new OptimizerPlan(planned, o.AccumulateGradBatches));
        var session = NewSession(module, optimizer, train);
        var restored = Restore(session, resume, allowChangedConfig); // weights, optimizer state, data position, RNG
        if (Checkpoints is not null) new Checkpoints.CheckpointStore(Checkpoints.Directory).CleanUp(); // leftovers of a save that was killed
        var state = new TrainerState();
        if (restored is not null)
        {
            (state.Step, state.Epoch, state.TokensSeen, state.SamplesSeen) = (restored.Step, restored.Epoch, restored.Tokens, restored.Samples);
            state.PriorElapsed = TimeSpan.FromSeconds(restored.ElapsedSeconds);
        }
        // Data that cannot restore its own position is replayed from the epoch start and skipped up to the checkpoint.
        long skipBatches = restored is not null && train is not IStateful ? restored.BatchInEpoch : 0;
        long resumedBatchInEpoch = restored?.BatchInEpoch ?? 0;
        var control = new TrainerControl();
        var ctx = new LoopContext(state, control, _log, runtime.Device) { Optimizer = optimizer, Module = module };
        var clock = _time.GetTimestamp();
        state.StartClock(() => _time.GetElapsedTime(clock));
        _history.Clear();
        using var signals = CatchSignals(control);
        bool weightsConsistent = true; // false only while the optimizer is changing the weights
        IReadOnlyDictionary<string, double> lastValidation = new Dictionary<string, double>();
        long validatedAt = -1;
        using var nonFinite = zeros([], ScalarType.Bool, runtime.Device).DetachFromDisposeScope();
        long trainable = module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

        try
        {
            Events.FitStarted.Fire(new FitStarted(state.Step, planned, trainable), ctx);
            state.StopReason = restored is null ? null : StopRule(o, state, control); // a finished run resumed does nothing more
            if (validation is not null && o.SanityValidationBatches > 0 && restored is null)
                Evaluate(module, validation, "val", o.SanityValidationBatches, sanity: true, ctx);

            while (state.StopReason is null)
            {
                Events.EpochStarted.Fire(new EpochStarted(state.Epoch), ctx);
                state.BatchInEpoch = resumedBatchInEpoch;
                resumedBatchInEpoch = 0;
                using var batches = Limit(train, o.LimitTrainBatches).GetEnumerator();
                for (; skipBatches > 0; skipBatches--) batches.MoveNext();
                bool epochExhausted = false;
                while (!epochExhausted && state.StopReason is null)
                {
                    // The scope opens before the first batch is drawn, so tensors a loader creates for this step die with it.
                    using (NewDisposeScope())
                    {
                        if (!batches.MoveNext())
                        {
                            if (state.BatchInEpoch == 0) throw StepChecks.EmptyEpoch(state, o.LimitTrainBatches);
                            epochExhausted = true;
                            break;
                        }
                        optimizer.ApplySchedule(state.Step);
                        Events.BatchStarted.Fire(new BatchStarted(state.Step, optimizer.LearningRate()), ctx);
                        Tensor? lossSum = null, count = null;
                        long samples = 0, tokens = 0;
                        for (int micro = 0; ; micro++)
                        {
                            state.BatchInEpoch++;
                            var output = module.TrainingStep(module.TransferToDevice(batches.Current, runtime.Device), ctx);
                            StepChecks.Training(output, module, state);
                            // One micro-batch: back-propagate the mean directly. Several: back-propagate sums, divide once below.
                            var loss = o.AccumulateGradBatches == 1 ? output.LossSum / output.Count : output.LossSum;
                            Events.BeforeBackward.Fire(new BeforeBackward(state.Step, micro, loss), ctx);
                            loss.backward();
                            lossSum = lossSum is null ? output.LossSum.detach() : lossSum + output.LossSum.detach();
                            count = count is null ? output.Count.detach() : count + output.Count.detach();
                            samples += output.Samples;
                            tokens += output.Tokens;
                            if (micro + 1 == o.AccumulateGradBatches) break;
                            // An epoch that ends mid-window steps on the micro-batches it has: Σsum/Σcount stays exact.
                            if (!batches.MoveNext()) { epochExhausted = true; break; }
                        }
                        if (o.AccumulateGradBatches > 1) FlintRuntime.ScaleGradients(optimizer.Parameters, count!.reciprocal());
                        runtime.Distributed.AllReduceGradients(optimizer.Parameters);
                        var meanLoss = lossSum! / count!;
                        Tensor? gradNorm = o.GradientClipNorm is { } maxNorm ? FlintRuntime.ClipGradNorm(optimizer.Parameters, maxNorm) : null;
                        if (o.GradientClipValue is { } maxValue) FlintRuntime.ClipGradValue(optimizer.Parameters, maxValue);
                        Events.BeforeOptimizerStep.Fire(new BeforeOptimizerStep(state.Step, gradNorm, meanLoss), ctx);
                        bool skipped = control.SkipStepRequested;
                        weightsConsistent = false;
                        if (!skipped) optimizer.Optimizer.step();
                        optimizer.Optimizer.zero_grad();
                        control.ClearStepRequests();

                        state.Step++;
                        weightsConsistent = true;
                        state.SamplesSeen += samples;
                        state.TokensSeen += tokens;
                        if (!skipped) // a step a handler refused (e.g. NonFiniteGuard) neither counts in the loss nor trips the NaN check
                        {
                            _log.LogRatio("train/loss", lossSum!, count!);
                            _log.LogRatio("train/loss_epoch", lossSum!, count!, LogInterval.Epoch);
                            nonFinite.logical_or_(meanLoss.isfinite().logical_not());
                        }
                        Events.BatchEnded.Fire(new BatchEnded(state.Step, meanLoss, samples, tokens, skipped), ctx);
                    }

                    if (state.Step % o.LogEveryNSteps == 0) Flush(ctx, LogInterval.Step, nonFinite);
                    if (validation is not null && (control.ValidationRequested || (o.ValidateEveryNSteps is { } every && state.Step % every == 0)))
                    {
                        control.ClearValidationRequest();
                        lastValidation = Evaluate(module, validation, "val", o.LimitValidationBatches, sanity: false, ctx);
                        validatedAt = state.Step;
                        SaveIfBest(session, state, lastValidation);
                    }
                    if (Checkpoints is { } c && (control.CheckpointRequested || control.InterruptRequested || (c.EveryNSteps is { } every2 && state.Step % every2 == 0)))
                    {
                        control.ClearCheckpointRequest();
                        var path = SaveCheckpoint(session, state, "last");
                        Events.CheckpointSaved.Fire(new CheckpointSaved(state.Step, path), ctx);
                    }
                    state.StopReason = StopRule(o, state, control);
                }

                // At an epoch end, and once more when a budget ends training mid-epoch, so a fit always ends with fresh metrics.
                bool validationOn = o.ValidateEveryEpoch || o.ValidateEveryNSteps is not null;
                if (validation is not null && validationOn && validatedAt != state.Step && (epochExhausted ? o.ValidateEveryEpoch : state.StopReason is not null))
                {
                    lastValidation = Evaluate(module, validation, "val", o.LimitValidationBatches, sanity: false, ctx);
                    validatedAt = state.Step;
                    SaveIfBest(session, state, lastValidation);
                }
                Flush(ctx, LogInterval.Epoch, nonFinite);
                Events.EpochEnded.Fire(new EpochEnded(state.Epoch, state.BatchInEpoch), ctx);
                if (state.StopReason is null && epochExhausted)
                {
                    state.Epoch++;
                    if (o.MaxEpochs is { } maxEpochs && state.Epoch >= maxEpochs) state.StopReason = $"max epochs ({maxEpochs}) reached";
                    state.StopReason ??= StopRule(o, state, control);
                }
            }
        }
        catch (Exception e)
        {
            state.StopReason = $"exception: {e.GetType().Name}: {e.Message}";
            Events.ExceptionRaised.Fire(new ExceptionRaised(state.Step, e), ctx);
            // Weights still equal those after the last completed step, so that step's state is a valid resume point.
            if (Checkpoints is { SaveOnException: true } && weightsConsistent && e is not NonFiniteLossException)
                TrySaveAfterFailure(session, state, ctx);
            throw;
        }
        finally
        {
            Events.FitEnded.Fire(new FitEnded(state.Step, state.StopReason ?? "unknown"), ctx);
        }
        if (Checkpoints is not null && !(state.StopReason?.StartsWith("interrupted", StringComparison.Ordinal) ?? false))
        {
            var path = SaveCheckpoint(session, state, "last"); // the final weights, where the next command looks for them
            Events.CheckpointSaved.Fire(new CheckpointSaved(state.Step, path), ctx);
        }
        return new FitResult(state.Step, state.Epoch + 1, state.TokensSeen, state.SamplesSeen, state.Elapsed, state.StopReason!, lastValidation, _history.ToList());
    }

    TrainerOptions EffectiveOptions() => Options.FastDevRun
        ? Options with
        {
            MaxSteps = 1, MaxEpochs = 1, LimitTrainBatches = 1, LimitValidationBatches = 1, SanityValidationBatches = 0,
            AccumulateGradBatches = 1, ValidateEveryNSteps = 1, ValidateEveryEpoch = false,
        }
        : Options;

    static string? StopRule(TrainerOptions o, TrainerState state, TrainerControl control)
    {
        if (control.InterruptRequested) return $"interrupted at step {state.Step} (a checkpoint was saved; continue with --resume last)";
        if (control.StopRequested) return control.StopReason;
        if (o.MaxSteps is { } maxSteps && state.Step >= maxSteps) return $"max steps ({maxSteps}) reached";
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

    void TrySaveAfterFailure(Session session, TrainerState state, LoopContext ctx)
    {
        try
        {
            var path = SaveCheckpoint(session, state, "last");
            Events.CheckpointSaved.Fire(new CheckpointSaved(state.Step, path), ctx);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure matters more than a failed rescue; the previous checkpoint is still intact.
        }
    }
}
