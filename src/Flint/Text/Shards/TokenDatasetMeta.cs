using System.Text.Json;
using System.Text.Json.Serialization;

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
    [property: JsonPropertyName("seed")] long Seed)
{
    /// <summary>The format tag.</summary>
    public const string CurrentFormat = "flint-tokens/1";

    /// <summary>The file name.</summary>
    public const string FileName = "meta.json";

    /// <summary>Bytes per token in the shards.</summary>
    public int BytesPerToken => Dtype == "uint16" ? 2 : 4;

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
