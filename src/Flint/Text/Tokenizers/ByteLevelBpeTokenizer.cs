using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Flint.Text.Tokenizers;

/// <summary>
/// A byte-level BPE vocabulary in the standard <c>vocab.json</c> + <c>merges.txt</c> format (as trained by
/// <see cref="BpeTrainer"/>, or GPT-2/RoBERTa's), encoded through Microsoft.ML.Tokenizers' BpeTokenizer.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    const string VocabFile = "vocab.json", MergesFile = "merges.txt";
    readonly BpeTokenizer _bpe;
    readonly string _vocabJson, _merges;

    ByteLevelBpeTokenizer(string vocabJson, string merges, string endOfText)
    {
        _vocabJson = vocabJson;
        _merges = merges;
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabJson)
            ?? throw new InvalidDataException("vocab.json holds no vocabulary.");
        VocabSize = vocab.Count;
        int? eos = vocab.TryGetValue(endOfText, out var id) ? id : null;
        int? Id(string token) => vocab.TryGetValue(token, out var i) ? i : null;
        Specials = new SpecialTokens(Bos: eos, Eos: eos, Pad: Id("<pad>"), Mask: Id("<mask>"));
        Fingerprint = Fingerprints.Of("bpe", vocabJson, merges);
        var options = new BpeOptions(vocab)
        {
            Merges = merges.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)),
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new System.Text.RegularExpressions.Regex(ByteLevel.Pattern, System.Text.RegularExpressions.RegexOptions.Compiled), null),
            SpecialTokens = new[] { endOfText, "<pad>", "<mask>" }.Where(vocab.ContainsKey).ToDictionary(t => t, t => vocab[t]),
        };
        _bpe = BpeTokenizer.Create(options);
    }

    internal static ByteLevelBpeTokenizer FromTrained(List<string> tokens, List<(string, string)> merges, string endOfText)
    {
        var vocab = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        foreach (var special in new[] { endOfText }.Concat(BpeTrainer.ExtraSpecials)) vocab[special] = vocab.Count;
        var mergeText = "#version: 0.2\n" + string.Concat(merges.Select(m => $"{m.Item1} {m.Item2}\n"));
        return new ByteLevelBpeTokenizer(JsonSerializer.Serialize(vocab), mergeText, endOfText);
    }

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="directory"/>.</summary>
    public static ByteLevelBpeTokenizer Load(string directory, string endOfText = BpeTrainer.EndOfText)
    {
        foreach (var file in new[] { VocabFile, MergesFile })
            if (!File.Exists(Path.Combine(directory, file)))
                throw new FileNotFoundException($"A byte-level BPE folder needs {VocabFile} and {MergesFile}; {Path.Combine(directory, file)} is missing.");
        return new ByteLevelBpeTokenizer(File.ReadAllText(Path.Combine(directory, VocabFile)), File.ReadAllText(Path.Combine(directory, MergesFile)), endOfText);
    }

    /// <inheritdoc />
    public string Kind => "bpe";

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public SpecialTokens Specials { get; }

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public int[] Encode(string text) => [.. _bpe.EncodeToIds(text)];

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids) => _bpe.Decode(ids);

    /// <inheritdoc />
    public void Save(string directory)
    {
        new TokenizerSpec(Kind, Fingerprint).Write(directory);
        File.WriteAllText(Path.Combine(directory, VocabFile), _vocabJson);
        File.WriteAllText(Path.Combine(directory, MergesFile), _merges);
    }
}
