namespace Flint.Text.Tokenizers;

/// <summary>The special token ids a tokenizer defines; null where it has none.</summary>
/// <param name="Bos">Beginning of sequence.</param>
/// <param name="Eos">End of sequence / document separator.</param>
/// <param name="Pad">Padding (GPT-2 has none; collators then pad with EOS and mask it out).</param>
/// <param name="Mask">The MLM mask token.</param>
/// <param name="Cls">Classification token (BERT's [CLS]).</param>
/// <param name="Sep">Separator (BERT's [SEP]).</param>
/// <param name="Unk">Unknown token.</param>
public sealed record SpecialTokens(int? Bos = null, int? Eos = null, int? Pad = null, int? Mask = null, int? Cls = null, int? Sep = null, int? Unk = null)
{
    /// <summary>The id to pad with: PAD, else EOS, else 0 (always masked out by collators).</summary>
    public int PadOrFallback => Pad ?? Eos ?? 0;

    /// <summary>Every defined special id.</summary>
    public IEnumerable<int> All => new[] { Bos, Eos, Pad, Mask, Cls, Sep, Unk }.Where(i => i is not null).Select(i => i!.Value).Distinct();
}
