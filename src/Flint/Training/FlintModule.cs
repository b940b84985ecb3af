using Flint.Optim;
using Flint.Optim.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Training;

/// <summary>
/// Research code, Lightning-style: what a step computes and how to optimize it. Everything else (devices, loops,
/// accumulation, clipping, logging, checkpoints) is the Trainer's. A step is plain code: it may run several models and
/// combine several losses (ELECTRA's generator and discriminator) with no special mode.
/// Subclasses create their layers as fields and call <c>RegisterComponents()</c> at the end of their constructor.
/// </summary>
/// <typeparam name="TBatch">What the data yields per step.</typeparam>
public abstract class FlintModule<TBatch>(string name) : nn.Module(name), IFlopsCounted
{
    /// <summary>The training loss of one (micro-)batch as a sum and a count. Log extra values with <c>ctx.Log</c>.</summary>
    public abstract StepOutput TrainingStep(TBatch batch, LoopContext ctx);

    /// <summary>The validation loss of one batch (run under no_grad in eval mode). Defaults to <see cref="TrainingStep"/>'s loss.</summary>
    public virtual StepOutput ValidationStep(TBatch batch, LoopContext ctx) => TrainingStep(batch, ctx);

    /// <summary>
    /// Each loss term's count for <paramref name="batch"/> (already on the device), by term name, before any forward pass:
    /// needed only by a step that returns several <see cref="LossTerm"/>s while accumulating micro-batches or running on
    /// several processes, where each term must be divided by its count over the whole step before the first backward.
    /// It must agree with the counts the step returns (so count from the batch: non-padding targets, sequences; draw
    /// random masks in the collator, not in the step, when a count depends on them).
    /// </summary>
    public virtual IReadOnlyDictionary<string, Tensor>? CountLossTerms(TBatch batch) => null;

    /// <summary>The test loss of one batch. Defaults to <see cref="ValidationStep"/>.</summary>
    public virtual StepOutput TestStep(TBatch batch, LoopContext ctx) => ValidationStep(batch, ctx);

    /// <summary>A prediction for one batch; override to use <c>Trainer.Predict</c>.</summary>
    public virtual Tensor PredictStep(TBatch batch, LoopContext ctx) =>
        throw new InvalidOperationException($"{GetType().Name} does not override PredictStep, so Trainer.Predict has nothing to call.");

    /// <summary>
    /// The optimizer and schedule. The default is fastai-grade: AdamW (lr 1e-3, weight decay 0.01 on weight matrices only,
    /// not on biases, norms or embeddings) with 5% linear warmup and cosine decay to 10% when the step budget is known.
    /// </summary>
    public virtual OptimizerSetup ConfigureOptimizers(OptimizerPlan plan)
    {
        var o = Optimization;
        ILrSchedule schedule = plan.TotalSteps is { } total
            ? new WarmupCosineSchedule(Math.Max(1, (long)(total * o.WarmupFraction)), total, o.MinLrRatio)
            : new ConstantSchedule();
        return Optimizers.AdamW(ParameterGroups.WithWeightDecay(this, o.WeightDecay), lr: o.LearningRate, beta2: o.Beta2, schedule: schedule);
    }

    /// <summary>Settings of the default <see cref="ConfigureOptimizers"/> (configurable without subclassing).</summary>
    public OptimizerDefaults Optimization { get; set; } = new();

    /// <summary>
    /// Moves a batch to the device. The default handles <see cref="Tensor"/> and <see cref="IDeviceBatch{TBatch}"/>, and
    /// passes anything else through on the CPU; override it for other batch types.
    /// </summary>
    public virtual TBatch TransferToDevice(TBatch batch, Device device) => batch switch
    {
        IDeviceBatch<TBatch> movable => movable.To(device),
        Tensor t when t.device != device => (TBatch)(object)t.to(device),
        _ when device.type == DeviceType.CPU || batch is Tensor => batch,
        _ => throw new InvalidOperationException(
            $"{GetType().Name}: batches of type {typeof(TBatch).Name} cannot be moved to {device}. Implement IDeviceBatch<{typeof(TBatch).Name}> " +
            "on the batch or override TransferToDevice."),
    };

    /// <summary>Training FLOPs per token (forward + backward ≈ 6·parameters for a transformer), for the MFU estimate; null if unknown.</summary>
    public virtual double? FlopsPerToken => null;
}
