using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Objectives;

/// <summary>Masked LM: mask the batch (<see cref="MlmMasking"/>), predict the originals; loss summed over selected positions only.</summary>
public sealed class MaskedLmObjective : FlintModule<LmBatch>
{
    readonly nn.Module model;
    readonly ITextEncoder _encoder;

    /// <summary>Trains <paramref name="encoder"/> with <paramref name="masking"/>.</summary>
    public MaskedLmObjective(ITextEncoder encoder, MlmMasking masking) : base("mlm")
    {
        model = (nn.Module)encoder;
        _encoder = encoder;
        Masking = masking;
        RegisterComponents();
    }

    /// <summary>The masking rule.</summary>
    public MlmMasking Masking { get; }

    /// <summary>The model being trained.</summary>
    public ITextEncoder Model => _encoder;

    /// <inheritdoc />
    public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx)
    {
        var (input, labels) = Masking.Apply(batch.Input);
        var logits = _encoder.LmLogits(_encoder.Encode(input));
        var loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index: -100, reduction: nn.Reduction.Sum);
        return StepOutput.Sum(loss, labels.ne(-100).sum(), batch.Input.shape[0], batch.Input.numel());
    }
}
