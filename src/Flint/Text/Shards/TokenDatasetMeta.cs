using System.Text.Json;
using System.Text.Json.Serialization;
using static System.FormattableString;

namespace Flint.Text.Shards;

/// <summary>One split of a tokenized dataset.</summary>
/// <param name="Tokens">Token count (EOS separators included).</param>
/// <param name="Documents">Document count.</param>
/// <param name="Shards">Shard file names, in order.</param>
public sealed record TokenSplit(
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("documents")] long Documents,
    [property: JsonPropertyName("shards")] IReadOnlyList<string> Shards);

/// <summary>
/// <c>meta.json</c> of a tokenized dataset: the header that makes the shards self-describing. It is written last, and the
/// folder is renamed into place only after it, so a folder with a <c>meta.json</c> is always complete.
/// </summary>
/// <param name="Format">The format tag, <see cref="CurrentFormat"/>.</param>
/// <param name="TokenizerKind">The tokenizer's kind (<c>gpt2</c>, <c>char</c>, …).</param>
/// <param name="TokenizerFingerprint">The tokenizer's fingerprint.</param>
/// <param name="VocabSize">The tokenizer's vocabulary size.</param>
/// <param name="Eos">The id separating documents.</param>
/// <param name="Dtype"><c>uint16</c> or <c>uint32</c>.</param>
/// <param name="Splits">The splits by name (<c>train</c>, <c>val</c>).</param>
/// <param name="Sources">The input files, as full paths.</param>
/// <param name="Bytes">Input bytes read.</param>
/// <param name="InvalidUtf8Replaced">Invalid UTF-8 sequences replaced by U+FFFD.</param>
/// <param name="ValidationFraction">The validation fraction asked for.</param>
/// <param name="Seed">The seed of the whole-document split.</param>
/// <param name="ValidationSplit">How validation was held out; files written before this field existed read as <see cref="Shards.ValidationSplit.Documents"/>.</param>
/// <param name="CorpusDocuments">Documents in the corpus (0 in files written before this field existed). With
/// <see cref="Shards.ValidationSplit.DocumentTails"/> the <c>val</c> split's document count is the number of documents that gave a tail.</param>
public sealed record TokenDatasetMeta(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("tokenizer_kind")] string TokenizerKind,
    [property: JsonPropertyName("tokenizer_fingerprint")] string TokenizerFingerprint,
    [property: JsonPropertyName("vocab_size")] int VocabSize,
    [property: JsonPropertyName("eos")] int? Eos,
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("splits")] IReadOnlyDictionary<string, TokenSplit> Splits,
    [property: JsonPropertyName("sources")] IReadOnlyList<string> Sources,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("invalid_utf8_replaced")] long InvalidUtf8Replaced,
    [property: JsonPropertyName("validation_fraction")] double ValidationFraction,
    [property: JsonPropertyName("seed")] long Seed,
    [property: JsonPropertyName("validation_split")] ValidationSplit ValidationSplit = ValidationSplit.Documents,
    [property: JsonPropertyName("corpus_documents")] long CorpusDocuments = 0)
{
    /// <summary>The format tag.</summary>
    public const string CurrentFormat = "flint-tokens/1";

    /// <summary>The file name.</summary>
    public const string FileName = "meta.json";

    /// <summary>Bytes per token in the shards.</summary>
    public int BytesPerToken => Dtype == "uint16" ? 2 : 4;

    /// <summary>
    /// One line saying how validation was held out, e.g. <c>validation: the last 5% of each of 6 documents (48,210 tokens)</c>
    /// or <c>validation: 12 of 240 documents, held out whole (48,210 tokens)</c>.
    /// </summary>
    public string DescribeValidation()
    {
        var val = Splits.TryGetValue("val", out var v) ? v : new TokenSplit(0, 0, []);
        if (val.Tokens == 0) return ValidationFraction == 0 ? "validation: none (the validation fraction is 0)" : "validation: none";
        long train = Splits.TryGetValue("train", out var t) ? t.Documents : 0;
        if (ValidationSplit == ValidationSplit.Documents)
            return Invariant($"validation: {val.Documents:N0} of {(CorpusDocuments > 0 ? CorpusDocuments : train + val.Documents):N0} documents, held out whole ({val.Tokens:N0} tokens)");
        var share = Invariant($"{ValidationFraction * 100:0.##}%");
        long all = CorpusDocuments > 0 ? CorpusDocuments : train;
        var which = val.Documents == all
            ? all == 1 ? "the document" : Invariant($"each of {all:N0} documents")
            : Invariant($"{val.Documents:N0} of {all:N0} documents (the others are too short to cut)");
        return Invariant($"validation: the last {share} of {which} ({val.Tokens:N0} tokens)");
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Reads <c>meta.json</c> from <paramref name="directory"/>, with a clear message when it is not a tokenized dataset.</summary>
    public static TokenDatasetMeta Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                Directory.Exists(directory)
                    ? $"{directory} has no {FileName}: it is not a tokenized dataset (or its tokenization did not finish). Run 'flint tokenize' to make one."
                    : $"{directory}: no such folder.", path);
        var meta = JsonSerializer.Deserialize<TokenDatasetMeta>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        if (meta.Format != CurrentFormat) throw new InvalidDataException($"{path}: format '{meta.Format}' is not {CurrentFormat}.");
        return meta;
    }

    internal void Write(string directory) => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));
}
