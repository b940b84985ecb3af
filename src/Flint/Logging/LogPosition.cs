namespace Flint.Logging;

/// <summary>Where the run is when a flush happens; stamped on every record.</summary>
public readonly record struct LogPosition(long Step, int Epoch, long Tokens, long Samples, double WallSeconds);
