namespace Flint.Reports;

/// <summary>A chart a user adds to a report: these exact metric keys of every run that logs them.</summary>
/// <param name="Title">The chart's title.</param>
/// <param name="Metrics">Metric keys exactly as logged, e.g. <c>train/detect_acc</c>.</param>
public sealed record ReportChart(string Title, IReadOnlyList<string> Metrics);
