using Microsoft.ML.Tokenizers;

namespace Flint.Text.Tokenizers;

/// <summary>
/// OpenAI's GPT-2 byte-level BPE (50,257 ids; <c>&lt;|endoftext|&gt;</c> = 50256 is EOS and the document separator), through
/// Microsoft.ML.Tokenizers' tiktoken implementation and its GPT-2 data package: no network, thread-safe, fast.
/// </summary>
public sealed class Gpt2Tokenizer : ITokenizer
{
    // One instance per thread: the tokenizer's internal cache is shared and locked, which halves parallel throughput.
    static readonly ThreadLocal<TiktokenTokenizer> Shared = new(() => TiktokenTokenizer.CreateForModel("gpt2"));
    const int EndOfText = 50256;

    /// <inheritdoc />
    public string Kind => "gpt2";

    /// <inheritdoc />
    public int VocabSize => 50257;

    /// <inheritdoc />
    public SpecialTokens Specials { get; } = new(Bos: EndOfText, Eos: EndOfText);

    /// <inheritdoc />
    public string Fingerprint { get; } = Fingerprints.Of("gpt2", "r50k_base", "50257");

    /// <inheritdoc />
    public int[] Encode(string text) => [.. Shared.Value!.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true)];

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids) => Shared.Value!.Decode(ids);

    /// <inheritdoc />
    public void Save(string directory) => new TokenizerSpec(Kind, Fingerprint).Write(directory);
}
