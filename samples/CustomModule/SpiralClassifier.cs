using Flint.Metrics;
using Flint.Optim;
using Flint.Optim.Schedules;
using Flint.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Samples.CustomModule;

/// <summary>Research code only: a small MLP that classifies points of two interleaved spirals.</summary>
public sealed class SpiralClassifier : FlintModule<(Tensor X, Tensor Y)>
{
    readonly Sequential net;
    readonly Accuracy _accuracy = new();

    public SpiralClassifier() : base("spiral")
    {
        net = nn.Sequential(nn.Linear(2, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 2));
        RegisterComponents();
    }

    public override StepOutput TrainingStep((Tensor X, Tensor Y) batch, LoopContext ctx)
    {
        var loss = nn.functional.cross_entropy(net.call(batch.X), batch.Y, reduction: nn.Reduction.Sum);
        return StepOutput.Sum(loss, batch.Y.shape[0], samples: batch.Y.shape[0]);
    }

    public override StepOutput ValidationStep((Tensor X, Tensor Y) batch, LoopContext ctx)
    {
        var logits = net.call(batch.X);
        _accuracy.Update(logits, batch.Y);
        ctx.Log.Log("val/accuracy", _accuracy);
        return StepOutput.Sum(nn.functional.cross_entropy(logits, batch.Y, reduction: nn.Reduction.Sum), batch.Y.shape[0], batch.Y.shape[0]);
    }

    // fastai's recipe: one-cycle with a high peak LR; AdamW groups keep weight decay off the biases.
    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) =>
        Optimizers.AdamW(ParameterGroups.WithWeightDecay(this, 1e-4), lr: 1e-2, schedule: new OneCycleSchedule(plan.TotalSteps ?? 1000));
}
