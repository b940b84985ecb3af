using Flint.Logging;
using Flint.Optim.Schedules;
using Flint.Runtime;
using Flint.Training.Events;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Runs <c>ValidationStep</c> over all of <paramref name="data"/> (a fresh pass from its first batch) and returns the
    /// reduced metrics (<c>val/loss</c> and whatever the module logs). After a <see cref="Fit{TBatch}"/> the records carry
    /// the fit's final step, epoch and tokens; before any fit, step 0.
    /// </summary>
    public IReadOnlyDictionary<string, double> Validate<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> data) =>
        Standalone(module, data, Stage.Validate);

    /// <summary>Runs <c>TestStep</c> over all of <paramref name="data"/> and returns the reduced metrics (<c>test/loss</c>, …), logged like <see cref="Validate{TBatch}"/>'s.</summary>
    public IReadOnlyDictionary<string, double> Test<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> data) =>
        Standalone(module, data, Stage.Test);

    /// <summary>Runs <c>PredictStep</c> over <paramref name="data"/> and returns each batch's prediction on the CPU.</summary>
    public IReadOnlyList<Tensor> Predict<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> data)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(data);
        var runtime = FlintRuntime.Create(Options.Runtime, reseed: false); // evaluating must not disturb the caller's RNG
        module.to(runtime.Device);
        var ctx = new LoopContext(new TrainerState { Stage = Stage.Predict }, new TrainerControl(), _log, runtime.Device) { Module = module };
        var predictions = new List<Tensor>();
        bool wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            using var batches = data.GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope();
                if (!batches.MoveNext()) break;
                var prediction = module.PredictStep(module.TransferToDevice(batches.Current, runtime.Device), ctx);
                predictions.Add(prediction.detach().cpu().MoveToOuterDisposeScope());
            }
        }
        finally
        {
            if (wasTraining) module.train();
        }
        return predictions;
    }

    TrainerState? _finalState;

    /// <summary>Runs a module's step with the log's stage set, so names it logs without a stage go under <paramref name="stage"/>'s prefix.</summary>
    StepOutput Step<TBatch>(Stage stage, FlintModule<TBatch> module, TBatch batch, LoopContext ctx)
    {
        _log.StagePrefix = stage.Prefix(); // no closure: this runs once per micro-batch
        try
        {
            return stage switch
            {
                Stage.Train => module.TrainingStep(batch, ctx),
                Stage.Test => module.TestStep(batch, ctx),
                _ => module.ValidationStep(batch, ctx),
            };
        }
        finally
        {
            _log.StagePrefix = null; // callbacks log outside steps, under the names they give
        }
    }

    IReadOnlyDictionary<string, double> Standalone<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> data, Stage stage)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(data, stage == Stage.Validate ? "validation data" : "test data");
        var runtime = FlintRuntime.Create(Options.Runtime, reseed: false); // evaluating must not disturb the caller's RNG
        module.to(runtime.Device);
        var state = _finalState?.Snapshot(stage) ?? new TrainerState { Stage = stage }; // after a fit: at the fit's final position
        var ctx = new LoopContext(state, new TrainerControl(), _log, runtime.Device) { Module = module };
        return Evaluate(module, data, stage, limit: null, sanity: false, ctx);
    }

    /// <summary>
    /// One evaluation run: a fresh pass over the data (the first <paramref name="limit"/> batches, always the same ones),
    /// eval mode, no_grad, its own random generator seeded with <see cref="TrainerOptions.EvaluationSeed"/> (the training
    /// generator is left untouched), a dispose scope per batch, exact Σloss/Σcount, one flush at the end.
    /// </summary>
    IReadOnlyDictionary<string, double> Evaluate<TBatch>(
        FlintModule<TBatch> module, IEnumerable<TBatch> data, Stage stage, long? limit, bool sanity, LoopContext ctx)
    {
        var state = ctx.State;
        var previousStage = state.Stage;
        state.Stage = sanity ? Stage.Sanity : stage;
        // The sanity check proves ValidationStep runs; its numbers come from an untrained model, so nothing it logs is kept.
        using var scratch = sanity ? _log.Scratch() : null;
        Events.ValidationStarted.Fire(new ValidationStarted(state.Step, stage, sanity), ctx);
        bool wasTraining = module.training;
        module.eval();
        long batches = 0;
        try
        {
            using var noGrad = no_grad();
            using var rng = RngFork.Begin(Options.EvaluationSeed, restoreCudaSeed: Options.Runtime.Seed + state.Step);
            var pass = data is IEpochSource<TBatch> source ? source.Batches(0) : data;
            using var batchesOf = Limit(pass, limit).GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope(); // opened before drawing, like training
                if (!batchesOf.MoveNext()) break;
                var device = module.TransferToDevice(batchesOf.Current, ctx.Device);
                var output = Step(stage, module, device, ctx);
                StepChecks.Evaluation(output, module, stage, batches);
                StepWindow.LogEvaluation(_log, stage, output);
                if (Events.ValidationBatchEnded.HasHandlers)
                    Events.ValidationBatchEnded.Fire(new ValidationBatchEnded(state.Step, stage, sanity, batches, output.LossSum / output.Count)
                        { Outputs = new StepOutputs(output.Outputs is null ? null : [output.Outputs]) }, ctx);
                batches++;
            }
        }
        finally
        {
            if (wasTraining) module.train();
            state.Stage = previousStage;
        }
        if (batches == 0)
            throw new InvalidOperationException($"The {(stage == Stage.Test ? "test" : "validation")} data yielded no batches; pass data with at least one batch, or none at all.");

        var records = _log.Flush(ctx.Position, LogInterval.Epoch, $"{stage.Prefix()}/", write: !sanity);
        if (!sanity) Publish(ctx, records);
        var metrics = records.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Last().Value);
        Events.ValidationEnded.Fire(new ValidationEnded(state.Step, stage, sanity, metrics), ctx);
        if (!sanity && ctx.Optimizer?.Schedule is IMetricDrivenSchedule driven && metrics.TryGetValue(driven.Monitor, out var monitored))
            driven.Report(monitored);
        return metrics;
    }
}
