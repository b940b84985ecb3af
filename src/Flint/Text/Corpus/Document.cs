namespace Flint.Text.Corpus;

/// <summary>One document of a corpus, with where it came from (for error messages and reports).</summary>
/// <param name="Source">The file.</param>
/// <param name="Line">The 1-based line the document starts on.</param>
/// <param name="Text">The text.</param>
public readonly record struct Document(string Source, int Line, string Text);
