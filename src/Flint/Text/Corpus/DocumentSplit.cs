namespace Flint.Text.Corpus;

/// <summary>How plain-text files are cut into documents (documents are separated by EOS and, when there are enough of them, are the unit of the train/validation split).</summary>
public enum DocumentSplit
{
    /// <summary>One input file: paragraphs (blank-line separated). Several files: one document per file. WikiText files: one per article.</summary>
    Auto,
    /// <summary>Each file is one document.</summary>
    File,
    /// <summary>Paragraphs separated by blank lines.</summary>
    BlankLine,
    /// <summary>Each non-empty line is a document.</summary>
    Line,
}
