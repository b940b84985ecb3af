namespace Flint.Text.Data;

/// <summary>Column and field names for labelled files.</summary>
/// <param name="TextColumn">Column (TSV/CSV header) or field (JSONL) with the text.</param>
/// <param name="LabelColumn">Column or field with the label.</param>
public sealed record LabeledDataOptions(string TextColumn = "text", string LabelColumn = "label");
