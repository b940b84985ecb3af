using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Objectives;

/// <summary>
/// Unsupervised SimCSE (Gao et al. 2021): encode each sentence twice (dropout makes the two views differ), mean-pool, and
/// classify each first view's partner among all second views in the batch with temperature <see cref="Temperature"/> (0.05).
/// </summary>
public sealed class SimCseObjective : FlintModule<ClassificationBatch>
{
    readonly nn.Module model;

    /// <summary>Trains <paramref name="encoder"/>; it needs dropout above 0 for the views to differ.</summary>
    public SimCseObjective(ITextEncoder encoder, double temperature = 0.05) : base("simcse")
    {
        model = (nn.Module)encoder;
        Temperature = temperature;
        RegisterComponents();
    }

    /// <summary>The model being trained: the registered module itself (no second field, so its tensors are saved once).</summary>
    public ITextEncoder Encoder => (ITextEncoder)model;

    /// <summary>Softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>Mean-pooled sentence embeddings (B, C).</summary>
    public Tensor Embed(ClassificationBatch batch)
    {
        var hidden = Encoder.Encode(batch.Input, batch.AttentionMask);
        var mask = batch.AttentionMask.unsqueeze(-1).to_type(hidden.dtype);
        return (hidden * mask).sum(1) / mask.sum(1);
    }

    /// <summary>The summed InfoNCE loss of two views (B, C) each.</summary>
    public Tensor Loss(Tensor first, Tensor second)
    {
        var similarity = F.normalize(first, dim: -1).matmul(F.normalize(second, dim: -1).T) / Temperature; // (B, B)
        return F.cross_entropy(similarity, arange(first.shape[0], device: first.device), reduction: nn.Reduction.Sum);
    }

    /// <inheritdoc />
    public override StepOutput TrainingStep(ClassificationBatch batch, LoopContext ctx)
    {
        long b = batch.Input.shape[0];
        return StepOutput.Sum(Loss(Embed(batch), Embed(batch)), b, b, batch.Input.numel());
    }
}
