namespace Flint.Metrics;

/// <summary>
/// A streaming metric: <c>Update</c> (defined by each metric) accumulates on the tensors' device with no host sync;
/// <see cref="Compute"/> reads the result back (one sync) and is called by the logger at the end of a window.
/// </summary>
public interface IMetric
{
    /// <summary>The values, each with a name suffix ("" for a metric with one value; e.g. "f1_macro" otherwise).</summary>
    IReadOnlyList<(string Suffix, double Value)> Compute();

    /// <summary>Clears the accumulated state.</summary>
    void Reset();
}
