using Flint.Text.Tokenizers;

namespace Flint.Text.Shards;

/// <summary>
/// Whitespace-separated words in a stretch of a token split, the denominator of word-level perplexity (GPT-2's paper, the
/// NAACL 2019 transfer-learning tutorial): a word is a maximal run of non-whitespace characters (<see cref="char.IsWhiteSpace(char)"/>)
/// in the decoded text. Special tokens (EOS between documents, …) count as whitespace, so two documents' edge words never merge.
/// </summary>
public static class WordCount
{
    const int Chunk = 1 << 16;

    /// <summary>The words of tokens [<paramref name="start"/>, start + <paramref name="length"/>) of <paramref name="shards"/>, decoded with <paramref name="tokenizer"/>.</summary>
    /// <remarks>
    /// Decoded in chunks of 65,536 tokens, so memory stays bounded; a character that a byte-level tokenizer splits across a
    /// chunk edge decodes as U+FFFD, which is not whitespace, so the count is unchanged.
    /// </remarks>
    public static long Of(TokenShards shards, long start, long length, ITokenizer tokenizer)
    {
        var specials = tokenizer.Specials.All.ToHashSet();
        var counter = new Counter();
        var ids = new long[Chunk];
        var pending = new List<int>(Chunk);
        for (long at = start; at < start + length; at += Chunk)
        {
            int take = (int)Math.Min(Chunk, start + length - at);
            shards.Read(at, ids.AsSpan(0, take));
            foreach (var id in ids.AsSpan(0, take))
            {
                if (!specials.Contains((int)id)) { pending.Add((int)id); continue; }
                counter.Add(tokenizer.Decode(pending));
                pending.Clear();
                counter.Add(" "); // a document boundary separates words
            }
            counter.Add(tokenizer.Decode(pending));
            pending.Clear();
        }
        return counter.Words;
    }

    /// <summary>Counts words across pieces of text, a word that continues from one piece into the next counted once.</summary>
    sealed class Counter
    {
        bool _inWord;

        public long Words { get; private set; }

        public void Add(string text)
        {
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c)) _inWord = false;
                else if (!_inWord) { _inWord = true; Words++; }
            }
        }
    }
}
