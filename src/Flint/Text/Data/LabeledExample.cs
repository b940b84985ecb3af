namespace Flint.Text.Data;

/// <summary>A text with its label, and where it came from (for error messages).</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">The label as written in the data.</param>
/// <param name="Source">File the example came from.</param>
/// <param name="Line">1-based line (0 for a whole-file example).</param>
public sealed record LabeledExample(string Text, string Label, string Source, int Line);
