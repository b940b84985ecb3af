using Flint.Metrics;
using Flint.Optim;
using Flint.Optim.Schedules;
using Flint.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MyIdea;

/// <summary>
/// Research code only (the Trainer does the engineering): a bag-of-embeddings sentence classifier. Replace the body with
/// your idea; keep the shape — a loss as a sum and a count, metrics that accumulate on the device.
/// </summary>
public sealed class MyIdeaModule : FlintModule<(Tensor Tokens, Tensor Labels)>
{
    readonly Embedding embedding;
    readonly Linear head;
    readonly Accuracy _accuracy = new();

    public MyIdeaModule(int vocabulary, int width = 32) : base("my_idea")
    {
        embedding = nn.Embedding(vocabulary, width);
        head = nn.Linear(width, 2);
        RegisterComponents();
    }

    Tensor Logits(Tensor tokens) => head.call(embedding.call(tokens).mean([1]));   // (B, T) -> (B, T, C) -> (B, C) -> (B, 2)

    public override StepOutput TrainingStep((Tensor Tokens, Tensor Labels) batch, LoopContext ctx) =>
        StepOutput.Sum(nn.functional.cross_entropy(Logits(batch.Tokens), batch.Labels, reduction: nn.Reduction.Sum),
            batch.Labels.shape[0], samples: batch.Labels.shape[0]);

    public override StepOutput ValidationStep((Tensor Tokens, Tensor Labels) batch, LoopContext ctx)
    {
        var logits = Logits(batch.Tokens);
        _accuracy.Update(logits, batch.Labels);          // accumulates on the device, no sync
        ctx.Log.Log("val/accuracy", _accuracy);          // computed once, at the end of validation
        return StepOutput.Sum(nn.functional.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum),
            batch.Labels.shape[0], samples: batch.Labels.shape[0]);
    }

    // The default is AdamW with warmup and cosine decay at a transformer's LR; a model this small learns faster with
    // fastai's one-cycle at a high peak.
    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) =>
        Optimizers.AdamW(ParameterGroups.WithWeightDecay(this, 1e-4), lr: 3e-2, schedule: new OneCycleSchedule(plan.TotalSteps ?? 1000));
}
