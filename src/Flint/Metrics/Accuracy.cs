using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Metrics;

/// <summary>Fraction of correct predictions, accumulated as two integer counters on the device.</summary>
public sealed class Accuracy : IMetric, IDisposable
{
    Tensor? _correct, _total;

    /// <summary>Adds a batch: (N, C) scores or (N) class ids, (N) targets, and an optional (N) mask of positions to count.</summary>
    public void Update(Tensor predictions, Tensor targets, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var (preds, target) = MetricInputs.Classes("Accuracy", predictions, targets, mask);
        _correct ??= MetricInputs.Accumulator(ScalarType.Int64, targets.device);
        _total ??= MetricInputs.Accumulator(ScalarType.Int64, targets.device);
        _correct.add_(preds.eq(target).sum());
        _total.add_(target.shape[0]);
    }

    /// <inheritdoc />
    public IReadOnlyList<(string Suffix, double Value)> Compute()
    {
        if (_correct is null || _total is null) return [("", double.NaN)];
        using var scope = NewDisposeScope();
        var both = stack([_correct, _total]).cpu().data<long>().ToArray();
        return [("", both[1] == 0 ? double.NaN : both[0] / (double)both[1])];
    }

    /// <inheritdoc />
    public void Reset()
    {
        using var scope = NewDisposeScope();
        _correct?.zero_();
        _total?.zero_();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _correct?.Dispose();
        _total?.Dispose();
    }
}
