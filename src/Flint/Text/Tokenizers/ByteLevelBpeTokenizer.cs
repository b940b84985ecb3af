using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Flint.Text.Tokenizers;

/// <summary>
/// A byte-level BPE vocabulary in the standard <c>vocab.json</c> + <c>merges.txt</c> format (as trained by
/// <see cref="BpeTrainer"/>, or GPT-2/RoBERTa's), encoded through Microsoft.ML.Tokenizers' BpeTokenizer. Specials come
/// from the vocabulary: <c>&lt;|endoftext|&gt;</c> (GPT-2, Flint) is BOS and EOS; RoBERTa's <c>&lt;s&gt;</c> and
/// <c>&lt;/s&gt;</c> are BOS/CLS and EOS/SEP, with <c>&lt;pad&gt;</c>, <c>&lt;mask&gt;</c> and <c>&lt;unk&gt;</c>.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    const string VocabFile = "vocab.json", MergesFile = "merges.txt";
    readonly BpeTokenizer _bpe;
    readonly string _vocabJson, _merges;

    internal ByteLevelBpeTokenizer(string vocabJson, string merges, string endOfText, string origin = VocabFile)
    {
        _vocabJson = vocabJson;
        _merges = merges;
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabJson) ?? throw new InvalidDataException($"{origin} holds no vocabulary.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{origin} is not a JSON object of token → id ({e.Message}).", e);
        }
        VocabSize = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        if (VocabSize != vocab.Count)
            throw new InvalidDataException($"{origin}: the ids of its {vocab.Count} tokens are not 0…{vocab.Count - 1} (the largest is {VocabSize - 1}).");
        int? Id(string token) => vocab.TryGetValue(token, out var i) ? i : null;
        int? eos = Id(endOfText) ?? Id(RobertaEos);
        Specials = new SpecialTokens(Bos: Id(RobertaBos) ?? eos, Eos: eos, Pad: Id("<pad>"), Mask: Id("<mask>"), Cls: Id(RobertaBos), Sep: Id(RobertaEos), Unk: Id("<unk>"));
        Fingerprint = Fingerprints.Of("bpe", vocabJson, merges);
        var options = new BpeOptions(vocab)
        {
            Merges = merges.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)),
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new System.Text.RegularExpressions.Regex(ByteLevel.Pattern, System.Text.RegularExpressions.RegexOptions.Compiled), null),
            SpecialTokens = new[] { endOfText, "<pad>", "<mask>", RobertaBos, RobertaEos, "<unk>" }.Where(vocab.ContainsKey).ToDictionary(t => t, t => vocab[t]),
        };
        _bpe = BpeTokenizer.Create(options);
    }

    const string RobertaBos = "<s>", RobertaEos = "</s>";

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
