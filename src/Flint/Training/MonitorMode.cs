namespace Flint.Training;

/// <summary>Whether a monitored metric improves downwards (a loss) or upwards (an accuracy).</summary>
public enum MonitorMode
{
    /// <summary>Lower is better.</summary>
    Min,
    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>Comparisons under a <see cref="MonitorMode"/>.</summary>
public static class MonitorModes
{
    /// <summary>True when <paramref name="candidate"/> beats <paramref name="reference"/> by more than <paramref name="margin"/>; NaN never does.</summary>
    public static bool Better(this MonitorMode mode, double candidate, double reference, double margin = 0) =>
        mode == MonitorMode.Min ? candidate < reference - margin : candidate > reference + margin;

    /// <summary>A sort key where smaller is better and NaN or infinite values rank last.</summary>
    public static double Rank(this MonitorMode mode, double value) =>
        !double.IsFinite(value) ? double.PositiveInfinity : mode == MonitorMode.Min ? value : -value;
}
