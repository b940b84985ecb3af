using System.Text.Json;

namespace Flint.Text.Tokenizers;

/// <summary>
/// One id per character (nanoGPT's shakespeare-char), built from a corpus: the sorted distinct characters, then
/// <c>&lt;eos&gt;</c>, <c>&lt;pad&gt;</c>, <c>&lt;unk&gt;</c>, <c>&lt;mask&gt;</c>. Characters outside the vocabulary map to <c>&lt;unk&gt;</c>.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    const string CharsFile = "chars.json";
    readonly Dictionary<char, int> _ids;
    readonly string _chars;

    /// <summary>A tokenizer over exactly <paramref name="characters"/> (deduplicated and sorted).</summary>
    public CharTokenizer(IEnumerable<char> characters)
    {
        _chars = new string(characters.Distinct().Order().ToArray());
        if (_chars.Length == 0) throw new ArgumentException("A character tokenizer needs at least one character; was the corpus empty?", nameof(characters));
        _ids = _chars.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        int n = _chars.Length;
        Specials = new SpecialTokens(Eos: n, Pad: n + 1, Unk: n + 2, Mask: n + 3);
        Fingerprint = Fingerprints.Of("char", _chars);
    }

    /// <summary>Builds the vocabulary from every character of <paramref name="texts"/>.</summary>
    public static CharTokenizer FromCorpus(IEnumerable<string> texts)
    {
        var seen = new HashSet<char>();
        foreach (var text in texts) foreach (var c in text) seen.Add(c);
        return new CharTokenizer(seen);
    }

    /// <inheritdoc />
    public string Kind => "char";

    /// <inheritdoc />
    public int VocabSize => _chars.Length + 4;

    /// <inheritdoc />
    public SpecialTokens Specials { get; }

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <summary>The characters, in id order.</summary>
    public string Characters => _chars;

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        var ids = new int[text.Length];
        int unk = Specials.Unk!.Value;
        for (int i = 0; i < text.Length; i++) ids[i] = _ids.TryGetValue(text[i], out var id) ? id : unk;
        return ids;
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids) =>
        string.Concat(ids.Select(id => id < _chars.Length ? _chars[id].ToString() : id == Specials.Eos ? "\n" : ""));

    /// <inheritdoc />
    public void Save(string directory)
    {
        new TokenizerSpec(Kind, Fingerprint).Write(directory);
        File.WriteAllText(Path.Combine(directory, CharsFile), JsonSerializer.Serialize(_chars));
    }

    internal static CharTokenizer Load(string directory) =>
        new(JsonSerializer.Deserialize<string>(File.ReadAllText(Path.Combine(directory, CharsFile)))
            ?? throw new InvalidDataException($"{Path.Combine(directory, CharsFile)} holds no characters."));
}
