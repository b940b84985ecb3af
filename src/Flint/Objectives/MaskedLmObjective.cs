using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Objectives;

/// <summary>
/// Masked LM: mask the batch (<see cref="MlmMasking"/>), predict the originals; loss summed over selected positions only.
/// The vocabulary projection runs on the selected positions only (gathered first, as BERT's reference code does).
/// </summary>
public sealed class MaskedLmObjective : FlintModule<LmBatch>
{
    readonly nn.Module model;

    /// <summary>Trains <paramref name="encoder"/> with <paramref name="masking"/>.</summary>
    /// <param name="encoder">The model.</param>
    /// <param name="masking">The masking rule.</param>
    /// <param name="fullVocabularyLogits">Project every position to the vocabulary and ignore unlabelled ones (the path before
    /// gathering; the same loss at several times the memory and time). Kept for the scaling benchmark's before/after comparison.</param>
    public MaskedLmObjective(ITextEncoder encoder, MlmMasking masking, bool fullVocabularyLogits = false) : base("mlm")
    {
        model = (nn.Module)encoder;
        Masking = masking;
        FullVocabularyLogits = fullVocabularyLogits;
        RegisterComponents();
    }

    /// <summary>True when logits are computed at every position (the benchmark's "before"), false for selected positions only.</summary>
    public bool FullVocabularyLogits { get; }

    /// <summary>The masking rule.</summary>
    public MlmMasking Masking { get; }

    /// <summary>The model being trained.</summary>
    public ITextEncoder Model => (ITextEncoder)model; // the registered module itself: no second field, so its tensors are saved once

    /// <inheritdoc />
    public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx)
    {
        var (input, labels) = Masking.Apply(batch.Input);
        return StepOutput.Sum(LossSum(Model.Encode(input), labels), labels.ne(-100).sum(), batch.Input.shape[0], batch.Input.numel());
    }

    /// <summary>Σ NLL of the labels (−100 = none) given (B, T, C) hidden states, through the tied LM head.</summary>
    public Tensor LossSum(Tensor hidden, Tensor labels)
    {
        if (FullVocabularyLogits)
            return F.cross_entropy(Model.LmLogits(hidden).flatten(0, 1), labels.flatten(), ignore_index: -100, reduction: nn.Reduction.Sum); // (B·T, V)
        var (selected, targets, _) = SelectedPositions.Gather(hidden, labels);
        return F.cross_entropy(Model.LmLogits(selected), targets, reduction: nn.Reduction.Sum); // (S, V)
    }
}
