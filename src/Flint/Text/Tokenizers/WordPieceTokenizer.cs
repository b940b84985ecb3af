using Microsoft.ML.Tokenizers;

namespace Flint.Text.Tokenizers;

/// <summary>
/// BERT's WordPiece from a <c>vocab.txt</c> (cased or uncased), through Microsoft.ML.Tokenizers' BertTokenizer with BERT's
/// basic tokenization (punctuation splitting, accent stripping when lower-casing). Specials come from the vocabulary.
/// </summary>
public sealed class WordPieceTokenizer : ITokenizer
{
    const string VocabFile = "vocab.txt";
    readonly BertTokenizer _bert;
    readonly byte[] _vocabFile;
    readonly string[] _tokens;

    /// <summary>Loads <paramref name="vocabPath"/>; <paramref name="lowerCase"/> for uncased vocabularies.</summary>
    public WordPieceTokenizer(string vocabPath, bool lowerCase = true)
        : this(File.Exists(vocabPath) ? File.ReadAllBytes(vocabPath) : throw new FileNotFoundException($"WordPiece vocabulary not found: {vocabPath}", vocabPath), lowerCase)
    {
    }

    /// <summary>
    /// The tokens in id order (e.g. from HF's tokenizer.json), as if read from a vocab.txt with one token per line: the
    /// same ids and the same fingerprint as that file.
    /// </summary>
    internal WordPieceTokenizer(IEnumerable<string> tokens, bool lowerCase)
        : this(System.Text.Encoding.UTF8.GetBytes(string.Concat(tokens.Select(t => t + "\n"))), lowerCase)
    {
    }

    WordPieceTokenizer(byte[] vocabFile, bool lowerCase)
    {
        _vocabFile = vocabFile;
        LowerCase = lowerCase;
        using (var stream = new MemoryStream(vocabFile, writable: false))
            _bert = BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = lowerCase, RemoveNonSpacingMarks = lowerCase });
        var lines = new List<string>();
        using (var reader = new StreamReader(new MemoryStream(vocabFile, writable: false)))
            while (reader.ReadLine() is { } line) lines.Add(line);
        _tokens = [.. lines];
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++) vocab.TryAdd(_tokens[i], i);
        int? Id(string token) => vocab.TryGetValue(token, out var id) ? id : null;
        VocabSize = _tokens.Length;
        Specials = new SpecialTokens(Eos: Id("[SEP]"), Pad: Id("[PAD]"), Mask: Id("[MASK]"), Cls: Id("[CLS]"), Sep: Id("[SEP]"), Unk: Id("[UNK]"));
        Fingerprint = Fingerprints.Of("wordpiece", Fingerprints.OfBytes(vocabFile), lowerCase ? "lower" : "cased");
    }

    /// <summary>Whether text is lower-cased first.</summary>
    public bool LowerCase { get; }

    /// <inheritdoc />
    public string Kind => "wordpiece";

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public SpecialTokens Specials { get; }

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public int[] Encode(string text) => [.. _bert.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true)];

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids) => _bert.Decode(ids, skipSpecialTokens: true);

    /// <summary>True when <paramref name="id"/> continues a word (its token starts with <c>##</c>): used by whole-word masking.</summary>
    public bool IsContinuation(int id) => id >= 0 && id < _tokens.Length && _tokens[id].StartsWith("##", StringComparison.Ordinal);

    /// <inheritdoc />
    public void Save(string directory)
    {
        new TokenizerSpec(Kind, Fingerprint, LowerCase).Write(directory);
        var target = Path.Combine(directory, VocabFile);
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(_vocabFile)) File.WriteAllBytes(target, _vocabFile);
    }

    internal static WordPieceTokenizer Load(string directory, bool lowerCase) => new(Path.Combine(directory, VocabFile), lowerCase);
}
