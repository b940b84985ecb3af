namespace Flint.Workflow;

/// <summary>One run of a sweep: its folder name, its setting (the grid coordinates) and its seed.</summary>
/// <param name="Name">The run's folder name inside the sweep folder.</param>
/// <param name="Setting">Grid key → value, in grid order.</param>
/// <param name="Seed">The run's seed.</param>
public sealed record SweepPoint(string Name, IReadOnlyList<KeyValuePair<string, string>> Setting, long Seed);

/// <summary>One run as a sweep starts it: the point and the full command line (<c>finetune --data … --out … --resume last</c>).</summary>
/// <param name="Point">The point.</param>
/// <param name="Arguments">The flint command line, command name first.</param>
/// <param name="InChildProcess">Whether it must run in its own process (runs in parallel: libtorch's thread count is per process).</param>
public sealed record SweepLaunch(SweepPoint Point, IReadOnlyList<string> Arguments, bool InChildProcess);
