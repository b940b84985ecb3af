using static TorchSharp.torch;

namespace Flint.Training;

/// <summary>
/// What a training or validation step returns: its loss as a <b>sum and a count</b> (e.g. summed token NLL and the number
/// of non-padding tokens), so gradient accumulation and averaging are exact: the loop optimizes Σsum/Σcount over an
/// accumulation window, which equals the loss of one big batch however the tokens are spread over micro-batches.
/// A loss of several parts with different denominators is a list of <see cref="LossTerm"/>s (<see cref="Combine"/>);
/// whatever else the step produced for handlers goes in <see cref="Outputs"/>.
/// </summary>
public readonly record struct StepOutput
{
    StepOutput(Tensor lossSum, Tensor count, long samples, long tokens, IReadOnlyList<LossTerm>? terms = null)
    {
        LossSum = lossSum;
        Count = count;
        Samples = samples;
        Tokens = tokens;
        Terms = terms;
    }

    /// <summary>The summed loss (a scalar tensor with a gradient, during training). For <see cref="Combine"/>: Σₖ wₖ·sumₖ/countₖ of this batch.</summary>
    public Tensor LossSum { get; }
    /// <summary>What the loss is summed over (a scalar tensor; tokens, samples, or 1 for a loss that is already a mean).</summary>
    public Tensor Count { get; }
    /// <summary>Samples in the batch (host-side: used for throughput and stopping, never a device sync).</summary>
    public long Samples { get; }
    /// <summary>Tokens in the batch (host-side: used for throughput and the token budget).</summary>
    public long Tokens { get; }
    /// <summary>The named parts of a loss made by <see cref="Combine"/>; null for a loss of one part.</summary>
    public IReadOnlyList<LossTerm>? Terms { get; }

    /// <summary>
    /// Anything the step computed that handlers need (logits, labels, masks; a record of your own), handed to the
    /// <c>BatchEnded</c> and <c>ValidationBatchEnded</c> handlers as <see cref="StepOutputs"/>. Set it with
    /// <c>return StepOutput.Sum(…) with { Outputs = new MyOutputs(logits, labels) };</c>. Tensors in it live in the step's
    /// dispose scope: they are valid during those handlers and freed right after, unless a handler keeps a copy
    /// (<c>t.detach().cpu().MoveToOuterDisposeScope()</c>, or better: update a metric on the device).
    /// </summary>
    public object? Outputs { get; init; }

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

    /// <summary>
    /// A loss of several named terms, each a sum over its own count (tokens for one, sequences for another). The objective
    /// is Σₖ weightₖ · Σsumₖ / Σcountₖ over the whole accumulation window (and all processes), exactly; each term is
    /// logged as <c>train/NAME</c> (<c>val/NAME</c> in validation) and their combination as <c>train/loss</c>. With
    /// accumulation or several processes the module also overrides <c>CountLossTerms</c>, so the window's counts are known
    /// before the first micro-batch is back-propagated.
    /// </summary>
    public static StepOutput Combine(IReadOnlyList<LossTerm> terms, long samples, long tokens = 0)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0) throw new ArgumentException("A combined loss needs at least one term.", nameof(terms));
        Tensor objective = terms[0].Sum * (terms[0].Weight / terms[0].Count);
        for (int k = 1; k < terms.Count; k++) objective = objective + terms[k].Sum * (terms[k].Weight / terms[k].Count);
        return new StepOutput(objective, ones([], objective.dtype, objective.device), samples, tokens, terms);
    }
}
