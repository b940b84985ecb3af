using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Metrics;

/// <summary>exp(Σ token NLL / Σ tokens), from summed losses and token counts: exact with padding and unequal batches.</summary>
public sealed class Perplexity : IMetric, IDisposable
{
    Tensor? _sum, _count;

    /// <summary>Adds a batch's summed negative log-likelihood (nats) and the number of tokens it covers.</summary>
    public void Update(Tensor nllSum, Tensor tokenCount)
    {
        if (nllSum.numel() != 1 || tokenCount.numel() != 1)
            throw new ArgumentException(
                $"Perplexity: expects a scalar NLL sum and a scalar token count, got shapes {MetricInputs.Describe(nllSum)} and {MetricInputs.Describe(tokenCount)}.");
        _sum ??= MetricInputs.Accumulator(ScalarType.Float64, nllSum.device);
        _count ??= MetricInputs.Accumulator(ScalarType.Float64, nllSum.device);
        _sum.add_(nllSum.detach().reshape([]));
        _count.add_(tokenCount.reshape([]));
    }

    /// <inheritdoc />
    public IReadOnlyList<(string Suffix, double Value)> Compute()
    {
        if (_sum is null || _count is null) return [("", double.NaN)];
        using var scope = NewDisposeScope();
        return [("", (_sum / _count).exp().item<double>())];
    }

    /// <inheritdoc />
    public void Reset()
    {
        using var scope = NewDisposeScope();
        _sum?.zero_();
        _count?.zero_();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sum?.Dispose();
        _count?.Dispose();
    }
}
