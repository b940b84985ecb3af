namespace Flint.Text.Tokenizers;

/// <summary>
/// Text ↔ token ids. Every tokenizer has a stable <see cref="Fingerprint"/> that datasets and checkpoints record, so a
/// model is never fed ids from a different vocabulary by mistake.
/// </summary>
public interface ITokenizer
{
    /// <summary>A short name, e.g. <c>gpt2</c>, <c>char</c>, <c>wordpiece</c>, <c>bpe</c>.</summary>
    string Kind { get; }

    /// <summary>Number of ids, including special tokens.</summary>
    int VocabSize { get; }

    /// <summary>The special tokens this tokenizer defines.</summary>
    SpecialTokens Specials { get; }

    /// <summary>SHA-256 (hex) of everything that determines the ids: kind, vocabulary, merges, options.</summary>
    string Fingerprint { get; }

    /// <summary>The ids of <paramref name="text"/>, without added special tokens.</summary>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(IEnumerable<int> ids);

    /// <summary>Writes what is needed to load this tokenizer again into <paramref name="directory"/> (<c>tokenizer.json</c> plus vocabulary files).</summary>
    void Save(string directory);
}
