namespace Flint.Text.Corpus;

/// <summary>What reading a corpus found: sizes, and every place invalid UTF-8 was replaced.</summary>
public sealed class CorpusReport
{
    readonly List<string> _invalidPlaces = [];

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; internal set; }

    /// <summary>Documents read so far.</summary>
    public long Documents { get; internal set; }

    /// <summary>Invalid UTF-8 sequences replaced by U+FFFD.</summary>
    public long InvalidUtf8Replaced { get; internal set; }

    /// <summary>Where replacements happened (<c>file:line</c>), at most the first 20.</summary>
    public IReadOnlyList<string> InvalidUtf8Places => _invalidPlaces;

    internal void Replaced(string file, int line, int count)
    {
        InvalidUtf8Replaced += count;
        if (_invalidPlaces.Count < 20) _invalidPlaces.Add($"{file}:{line}");
    }
}
