using Flint.Logging;

namespace Flint.Training;

/// <summary>What a fit did.</summary>
/// <param name="Steps">Optimizer steps completed.</param>
/// <param name="Epochs">Epochs started.</param>
/// <param name="Tokens">Training tokens seen.</param>
/// <param name="Samples">Training samples seen.</param>
/// <param name="Elapsed">Training wall time.</param>
/// <param name="StopReason">Why the loop stopped.</param>
/// <param name="LastValidation">The metrics of the last validation run (empty if none ran).</param>
/// <param name="History">Every record written during the fit.</param>
/// <param name="Interrupted">A signal (or <c>RequestInterrupt</c>) stopped the fit after saving a checkpoint; continue with <c>resume: "last"</c>.</param>
public sealed record FitResult(
    long Steps, int Epochs, long Tokens, long Samples, TimeSpan Elapsed, string StopReason,
    IReadOnlyDictionary<string, double> LastValidation, IReadOnlyList<LogRecord> History, bool Interrupted = false)
{
    /// <summary>The values written under <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<LogRecord> Series(string name) => History.Where(r => r.Name == name).ToList();
}
