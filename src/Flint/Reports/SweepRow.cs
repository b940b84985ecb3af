namespace Flint.Reports;

/// <summary>One setting of a sweep: its runs and the chosen metric over their seeds.</summary>
/// <param name="Setting">The setting as text.</param>
/// <param name="Runs">Its runs' folder names (one per seed), for tracing every number back.</param>
/// <param name="Validation">The metric on validation, over the seeds that finished.</param>
/// <param name="Test">The metric on test.</param>
/// <param name="Best">Chosen: the best mean on validation.</param>
public sealed record SweepRow(string Setting, IReadOnlyList<string> Runs, Stat Validation, Stat Test, bool Best);
