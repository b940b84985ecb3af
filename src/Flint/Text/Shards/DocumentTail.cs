using Flint.Text.Tokenizers;

namespace Flint.Text.Shards;

/// <summary>Where to cut a document so its last <c>fraction</c> of tokens goes to validation (<see cref="ValidationSplit.DocumentTails"/>).</summary>
internal static class DocumentTail
{
    // Looking further than this for a line break costs a decode per token and buys little: paragraphs are shorter.
    const int MaxSearch = 4096;

    /// <summary>
    /// The index where the validation tail of <paramref name="ids"/> starts: near <c>(1 - fraction) × length</c>, moved to
    /// the nearest paragraph break (else line break) within half the tail's length. Returns <c>ids.Length</c> (no tail)
    /// when the document is too short to give both parts a token.
    /// </summary>
    public static int Start(int[] ids, double fraction, ITokenizer tokenizer)
    {
        int tail = (int)Math.Round(fraction * ids.Length, MidpointRounding.AwayFromZero);
        if (tail < 1 || ids.Length - tail < 1) return ids.Length;
        int target = ids.Length - tail;
        int reach = Math.Min(tail / 2, MaxSearch);
        int? line = null;
        for (int distance = 0; distance <= reach; distance++)
            foreach (int cut in distance == 0 ? [target] : new[] { target - distance, target + distance })
            {
                if (cut < 1 || cut > ids.Length - 1) continue;
                // Decoding the two tokens before the cut shows whether the tail would start a paragraph or a line.
                var before = tokenizer.Decode(ids.AsSpan(Math.Max(0, cut - 2), Math.Min(2, cut)).ToArray());
                if (before.EndsWith("\n\n", StringComparison.Ordinal)) return cut;
                if (line is null && before.EndsWith('\n')) line = cut;
            }
        return line ?? target;
    }
}
