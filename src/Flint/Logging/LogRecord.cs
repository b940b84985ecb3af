namespace Flint.Logging;

/// <summary>
/// One reduced value, with every axis a curve may want: optimizer step, epoch, tokens and samples seen, wall time.
/// </summary>
/// <param name="Name">Metric name, e.g. <c>train/loss</c>, <c>val/accuracy</c>, <c>lr</c>.</param>
/// <param name="Value">The reduced value.</param>
/// <param name="Step">Optimizer steps completed when the value was written.</param>
/// <param name="Epoch">Epoch (0-based) the value belongs to.</param>
/// <param name="Tokens">Training tokens seen so far.</param>
/// <param name="Samples">Training samples seen so far.</param>
/// <param name="WallSeconds">Seconds since the fit started (resumed runs continue their clock).</param>
public readonly record struct LogRecord(string Name, double Value, long Step, int Epoch, long Tokens, long Samples, double WallSeconds);
