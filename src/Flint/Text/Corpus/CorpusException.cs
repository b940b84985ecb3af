namespace Flint.Text.Corpus;

/// <summary>Bad corpus input; the message names the file (and line) and says what to do.</summary>
public sealed class CorpusException(string message) : Exception(message);
