using static TorchSharp.torch;

namespace Flint.Training;

/// <summary>
/// What a training or validation step returns: its loss as a <b>sum and a count</b> (e.g. summed token NLL and the number
/// of non-padding tokens), so gradient accumulation and averaging are exact: the loop optimizes Σsum/Σcount over an
/// accumulation window, which equals the loss of one big batch however the tokens are spread over micro-batches.
/// </summary>
public readonly record struct StepOutput
{
    StepOutput(Tensor lossSum, Tensor count, long samples, long tokens)
    {
        LossSum = lossSum;
        Count = count;
        Samples = samples;
        Tokens = tokens;
    }

    /// <summary>The summed loss (a scalar tensor with a gradient, during training).</summary>
    public Tensor LossSum { get; }
    /// <summary>What the loss is summed over (a scalar tensor; tokens, samples, or 1 for a loss that is already a mean).</summary>
    public Tensor Count { get; }
    /// <summary>Samples in the batch (host-side: used for throughput and stopping, never a device sync).</summary>
    public long Samples { get; }
    /// <summary>Tokens in the batch (host-side: used for throughput and the token budget).</summary>
    public long Tokens { get; }

    /// <summary>A loss summed over <paramref name="count"/> items (a device tensor, e.g. the number of non-padding tokens).</summary>
    public static StepOutput Sum(Tensor lossSum, Tensor count, long samples, long tokens = 0) => new(lossSum, count, samples, tokens);

    /// <summary>A loss summed over <paramref name="count"/> items known on the host.</summary>
    public static StepOutput Sum(Tensor lossSum, long count, long samples, long tokens = 0) =>
        new(lossSum, tensor((double)count, dtype: lossSum.dtype, device: lossSum.device), samples, tokens);

    /// <summary>
    /// A loss that is already a mean (e.g. a combined objective such as ELECTRA's). Accumulation then averages micro-batches
    /// with weight <paramref name="weight"/> each.
    /// </summary>
    public static StepOutput Mean(Tensor loss, long samples, long tokens = 0, double weight = 1.0) =>
        new(loss * weight, tensor(weight, dtype: loss.dtype, device: loss.device), samples, tokens);
}
