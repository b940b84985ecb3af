namespace Flint.Reports;

/// <summary>How a report is written.</summary>
public enum ReportFormat
{
    /// <summary>Self-contained HTML with inline SVG charts (and PNGs beside it).</summary>
    Html,
    /// <summary>Markdown with PNG charts beside it, for a README or an issue.</summary>
    Markdown,
    /// <summary>The results table as a LaTeX <c>tabular</c>, for a paper.</summary>
    Latex,
}
