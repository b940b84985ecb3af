namespace Flint.Reports;

/// <summary>A rendered chart: SVG for the HTML report, PNG for Markdown and for files beside the report.</summary>
/// <param name="Name">File-name stem (unique within a report).</param>
/// <param name="Caption">What it shows, naming the metric keys and runs exactly.</param>
/// <param name="Svg">The SVG document.</param>
/// <param name="Png">The PNG bytes.</param>
public sealed record Figure(string Name, string Caption, string Svg, byte[] Png);
