using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Metrics;

/// <summary>A weighted mean of many values, exact with unequal batch sizes: Σ(value·weight) / Σweight.</summary>
public sealed class MeanMetric : IMetric, IDisposable
{
    Tensor? _sum, _weight;

    /// <summary>Adds values (any shape), each with weight 1, or with the matching <paramref name="weights"/>.</summary>
    public void Update(Tensor values, Tensor? weights = null)
    {
        if (weights is not null && !weights.shape.SequenceEqual(values.shape))
            throw MetricInputs.Shape("MeanMetric", "weights", $"the values' shape {MetricInputs.Describe(values)}", weights);
        _sum ??= MetricInputs.Accumulator(ScalarType.Float64, values.device);
        _weight ??= MetricInputs.Accumulator(ScalarType.Float64, values.device);
        using var scope = NewDisposeScope();
        var v = values.detach();
        if (weights is null)
        {
            _sum.add_(v.sum());
            _weight.add_(v.numel());
        }
        else
        {
            _sum.add_((v * weights).sum());
            _weight.add_(weights.sum());
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<(string Suffix, double Value)> Compute()
    {
        if (_sum is null || _weight is null) return [("", double.NaN)];
        using var scope = NewDisposeScope();
        return [("", (_sum / _weight).item<double>())];
    }

    /// <inheritdoc />
    public void Reset()
    {
        using var scope = NewDisposeScope();
        _sum?.zero_();
        _weight?.zero_();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sum?.Dispose();
        _weight?.Dispose();
    }
}
