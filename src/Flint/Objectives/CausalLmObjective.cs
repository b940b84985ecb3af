using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Objectives;

/// <summary>Next-token prediction: Σ token NLL over targets ≠ −100, and that token count.</summary>
public sealed class CausalLmObjective : FlintModule<LmBatch>
{
    readonly nn.Module model;

    /// <summary>Trains <paramref name="encoder"/>, which must be causal.</summary>
    public CausalLmObjective(ITextEncoder encoder, double? flopsPerToken = null) : base("clm")
    {
        if (!encoder.IsCausal) throw new ArgumentException("Causal LM needs a causal (decoder) model; use the mlm or electra objective for an encoder.", nameof(encoder));
        model = (nn.Module)encoder;
        FlopsPerToken = flopsPerToken;
        RegisterComponents();
    }

    /// <summary>The model being trained.</summary>
    public ITextEncoder Model => (ITextEncoder)model; // the registered module itself: no second field, so its tensors are saved once

    /// <inheritdoc />
    public override double? FlopsPerToken { get; }

    /// <inheritdoc />
    public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx)
    {
        var logits = Model.LmLogits(Model.Encode(batch.Input)); // (B, T, V)
        var target = batch.Target.flatten();
        var loss = F.cross_entropy(logits.flatten(0, 1), target, ignore_index: -100, reduction: nn.Reduction.Sum);
        return StepOutput.Sum(loss, target.ne(-100).sum(), batch.Input.shape[0], batch.Input.numel());
    }
}
