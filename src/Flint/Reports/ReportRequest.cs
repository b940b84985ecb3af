namespace Flint.Reports;

/// <summary>What a report is about: the runs, by folder (a demo or sweep folder stands for the runs inside it), and how to draw them.</summary>
/// <param name="Title">Heading.</param>
/// <param name="Runs">Run folders, demo folders or sweep folders.</param>
public sealed record ReportRequest(string Title, IReadOnlyList<string> Runs)
{
    /// <summary>The x-axis of every curve.</summary>
    public Charts.Axis X { get; init; } = Charts.Axis.Step;
    /// <summary>EMA weight for curves with many points, as TensorBoard's slider (0: raw; the raw curve is drawn faintly behind).</summary>
    public double Smoothing { get; init; } = 0.6;
    /// <summary>Charts the user adds, each of exact metric keys.</summary>
    public IReadOnlyList<ReportChart> Extra { get; init; } = [];
    /// <summary>The output format (null: from the file's extension: .md, .tex, otherwise HTML).</summary>
    public ReportFormat? Format { get; init; }
}
