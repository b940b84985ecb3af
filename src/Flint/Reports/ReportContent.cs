namespace Flint.Reports;

/// <summary>Everything a report says, before it is written in a format.</summary>
internal sealed record ReportContent(string Title, IReadOnlyList<string> Headline, IReadOnlyList<Figure> Figures, IReadOnlyList<ReportTable> Tables);
