using Flint.Reports;

namespace Flint.Workflow;

/// <summary>What a sweep did: its folder, its table, and whether every run finished.</summary>
/// <param name="Folder">The sweep folder.</param>
/// <param name="Table">The result table.</param>
/// <param name="Complete">Every run finished.</param>
/// <param name="Skipped">Runs that had finished before this command started.</param>
public sealed record SweepResult(string Folder, SweepTable Table, bool Complete, int Skipped)
{
    /// <summary>The exit code of a run a signal stopped (130 SIGINT, 143 SIGTERM), which the sweep exits with too; null if none was.</summary>
    public int? SignalExit { get; init; }
}
