namespace Flint.Logging;

/// <summary>How values logged under one name are combined over a logging window (steps between flushes, an epoch, a validation run).</summary>
public enum Reduction
{
    /// <summary>Weighted mean: Σ(value·weight) / Σweight. With <c>LogRatio</c>: Σnumerator / Σdenominator (e.g. summed token NLL over tokens).</summary>
    Mean,
    /// <summary>Sum of the values.</summary>
    Sum,
    /// <summary>The last value.</summary>
    Last,
    /// <summary>The largest value.</summary>
    Max,
    /// <summary>The smallest value.</summary>
    Min,
}
