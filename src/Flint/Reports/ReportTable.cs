namespace Flint.Reports;

/// <summary>A table of a report; the last column (or the first) names the runs behind every number.</summary>
/// <param name="Title">Heading.</param>
/// <param name="Header">Column names.</param>
/// <param name="Rows">Cells.</param>
/// <param name="IsResults">The results table (the one <c>--format latex</c> writes).</param>
internal sealed record ReportTable(string Title, IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows, bool IsResults = false);
