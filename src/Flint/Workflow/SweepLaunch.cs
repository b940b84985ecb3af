namespace Flint.Workflow;

/// <summary>One run as a sweep starts it: the point and the full command line (<c>finetune --data … --out … --resume last</c>).</summary>
/// <param name="Point">The point.</param>
/// <param name="Arguments">The flint command line, command name first.</param>
/// <param name="InChildProcess">Whether it must run in its own process (runs in parallel: libtorch's thread count is per process).</param>
public sealed record SweepLaunch(SweepPoint Point, IReadOnlyList<string> Arguments, bool InChildProcess);
