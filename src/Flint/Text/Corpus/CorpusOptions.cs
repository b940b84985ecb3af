namespace Flint.Text.Corpus;

/// <summary>How to read a corpus.</summary>
/// <param name="TextField">The JSON field holding the text in <c>.jsonl</c> files.</param>
/// <param name="Split">How plain text is cut into documents.</param>
/// <param name="Strict">Refuse invalid UTF-8 (naming file and line) instead of replacing and counting it.</param>
public sealed record CorpusOptions(string TextField = "text", DocumentSplit Split = DocumentSplit.Auto, bool Strict = false);
