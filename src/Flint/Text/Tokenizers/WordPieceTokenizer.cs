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
    readonly string _vocabPath;
    readonly string[] _tokens;

    /// <summary>Loads <paramref name="vocabPath"/>; <paramref name="lowerCase"/> for uncased vocabularies.</summary>
    public WordPieceTokenizer(string vocabPath, bool lowerCase = true)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"WordPiece vocabulary not found: {vocabPath}", vocabPath);
        _vocabPath = vocabPath;
        LowerCase = lowerCase;
        _bert = BertTokenizer.Create(vocabPath, new BertOptions { LowerCaseBeforeTokenization = lowerCase, RemoveNonSpacingMarks = lowerCase });
        _tokens = File.ReadAllLines(vocabPath);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++) vocab.TryAdd(_tokens[i], i);
        int? Id(string token) => vocab.TryGetValue(token, out var id) ? id : null;
        VocabSize = _tokens.Length;
        Specials = new SpecialTokens(Eos: Id("[SEP]"), Pad: Id("[PAD]"), Mask: Id("[MASK]"), Cls: Id("[CLS]"), Sep: Id("[SEP]"), Unk: Id("[UNK]"));
        Fingerprint = Fingerprints.Of("wordpiece", Fingerprints.OfFile(vocabPath), lowerCase ? "lower" : "cased");
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
        if (Path.GetFullPath(target) != Path.GetFullPath(_vocabPath)) File.Copy(_vocabPath, target, overwrite: true);
    }

    internal static WordPieceTokenizer Load(string directory, bool lowerCase) => new(Path.Combine(directory, VocabFile), lowerCase);
}
