using Flint.Metrics;
using Flint.Optim;
using Flint.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Tests.Training;

/// <summary>What <see cref="TwoTermModel"/>'s step hands to handlers: next-token predictions and targets (padding included).</summary>
public sealed record TokenPredictions(Tensor Predicted, Tensor Target);

/// <summary>
/// A next-token loss over non-padding tokens (a count that varies by batch) plus a per-sequence loss (whether the first
/// token is even) weighted ½: two terms with different denominators. SGD, so weights move deterministically.
/// </summary>
public sealed class TwoTermModel : FlintModule<TokenBatch>
{
    readonly Embedding embed;
    readonly Linear head, sequence_head;

    public TwoTermModel(bool countsTerms = true) : base("two_terms")
    {
        embed = nn.Embedding(11, 8);
        head = nn.Linear(8, 11);
        sequence_head = nn.Linear(8, 1);
        CountsTerms = countsTerms;
        RegisterComponents();
    }

    public bool CountsTerms { get; }

    /// <summary>Registered once, by name only, from the validation step.</summary>
    public Accuracy ValAccuracy { get; } = new();

    public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
    {
        var hidden = embed.call(batch.Input);                                                      // (B, T, C)
        var logits = head.call(hidden);                                                            // (B, T, V)
        var lm = F.cross_entropy(logits.flatten(0, 1), batch.Target.flatten(), ignore_index: TinyTokenModel.Pad, reduction: nn.Reduction.Sum);
        var even = batch.Input[.., 0].remainder(2).eq(0).to_type(ScalarType.Float32);               // (B)
        var seq = F.binary_cross_entropy_with_logits(sequence_head.call(hidden.mean([1])).squeeze(-1), even, reduction: nn.Reduction.Sum);
        return StepOutput.Combine([new LossTerm("lm", lm, batch.Target.ne(TinyTokenModel.Pad).sum()), new LossTerm("seq", seq, batch.Input.shape[0], weight: 0.5)],
            samples: batch.Input.shape[0], tokens: batch.Input.numel()) with { Outputs = new TokenPredictions(logits.argmax(-1), batch.Target) };
    }

    public override StepOutput ValidationStep(TokenBatch batch, LoopContext ctx)
    {
        var output = TrainingStep(batch, ctx);
        var p = (TokenPredictions)output.Outputs!;
        var real = p.Target.ne(TinyTokenModel.Pad);
        ValAccuracy.Update(p.Predicted.masked_select(real), p.Target.masked_select(real));
        ctx.Log.Log("accuracy", ValAccuracy); // registering again each batch is harmless
        return output;
    }

    public override IReadOnlyDictionary<string, Tensor>? CountLossTerms(TokenBatch batch) => CountsTerms
        ? new Dictionary<string, Tensor> { ["lm"] = batch.Target.ne(TinyTokenModel.Pad).sum(), ["seq"] = tensor(batch.Input.shape[0]) }
        : null;

    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) => Optimizers.Sgd(ParameterGroups.Single(this), lr: 0.5, momentum: 0);
}
