namespace Flint.Workflow;

/// <summary>One run of a sweep: its folder name, its setting (the grid coordinates) and its seed.</summary>
/// <param name="Name">The run's folder name inside the sweep folder.</param>
/// <param name="Setting">Grid key → value, in grid order.</param>
/// <param name="Seed">The run's seed.</param>
public sealed record SweepPoint(string Name, IReadOnlyList<KeyValuePair<string, string>> Setting, long Seed);
