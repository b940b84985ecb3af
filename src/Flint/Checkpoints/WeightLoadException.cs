namespace Flint.Checkpoints;

/// <summary>Weights did not fit the module; nothing was copied. <see cref="Report"/> lists every key.</summary>
public sealed class WeightLoadException(string message, LoadReport report) : Exception(message)
{
    /// <summary>The full comparison.</summary>
    public LoadReport Report { get; } = report;
}
