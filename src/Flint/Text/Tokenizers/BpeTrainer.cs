using System.Text;
using System.Text.RegularExpressions;

namespace Flint.Text.Tokenizers;

/// <summary>
/// Trains a byte-level BPE vocabulary (GPT-2's scheme) on a corpus: pre-tokenize with GPT-2's pattern, count words, then
/// repeatedly merge the most frequent adjacent pair. Pair counts are updated incrementally (only words containing the
/// merged pair are touched) and the best pair comes from a priority queue, so it scales to tens of MB on a laptop.
/// Ties break by the pair's byte strings, so the result is deterministic.
/// </summary>
public static partial class BpeTrainer
{
    /// <summary>The end-of-text token added after the merges.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Padding and mask tokens added after EOS, so trained vocabularies also serve MLM, ELECTRA and classification.</summary>
    public static readonly string[] ExtraSpecials = ["<pad>", "<mask>"];

    [GeneratedRegex(ByteLevel.Pattern)]
    private static partial Regex PreTokenizer();

    /// <summary>The smallest vocabulary <see cref="Train"/> accepts: 256 bytes, EOS, pad and mask, and one merge.</summary>
    public const int MinVocabSize = 260;

    /// <summary>Trains and returns a tokenizer with at most <paramref name="vocabSize"/> ids (256 bytes + merges + EOS, pad, mask).</summary>
    /// <param name="texts">The corpus.</param>
    /// <param name="vocabSize">Target vocabulary size, at least <see cref="MinVocabSize"/> (260: 256 bytes, EOS, pad, mask and one merge).</param>
    /// <param name="minFrequency">Pairs seen fewer times are never merged.</param>
    /// <param name="progress">Called after each merge with (merges done, merges wanted).</param>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, int vocabSize, int minFrequency = 2, Action<int, int>? progress = null)
    {
        if (vocabSize < MinVocabSize)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize,
                $"A byte-level BPE vocabulary holds the 256 bytes and 3 special tokens, so it needs at least {MinVocabSize} ids to learn any merge; {vocabSize} is too few.");
        var wordCounts = CountWords(texts);
        if (wordCounts.Count == 0) throw new ArgumentException("The corpus is empty: there is nothing to learn a vocabulary from.", nameof(texts));

        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevel.ByteToChar[b].ToString()).ToList();
        var words = wordCounts.Select(kv => Encoding.UTF8.GetBytes(kv.Key).Select(b => (int)b).ToArray()).ToArray();
        var counts = wordCounts.Values.ToArray();
        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        for (int w = 0; w < words.Length; w++) AddPairs(words[w], w, counts[w], +1, pairCounts, pairWords);

        var queue = new PriorityQueue<(int, int), (long, string)>(Comparer<(long Count, string Key)>.Create((a, b) =>
            a.Count != b.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Key, b.Key)));
        foreach (var (pair, count) in pairCounts) queue.Enqueue(pair, (count, Key(tokens, pair)));

        var merges = new List<(int, int)>();
        int wanted = vocabSize - 256 - 1 - ExtraSpecials.Length;
        while (merges.Count < wanted && queue.TryDequeue(out var best, out var priority))
        {
            if (!pairCounts.TryGetValue(best, out var current) || current != priority.Item1) continue; // stale entry
            if (current < minFrequency) break;
            int symbol = tokens.Count;
            tokens.Add(tokens[best.Item1] + tokens[best.Item2]);
            merges.Add(best);
            foreach (var w in pairWords[best].ToList())
            {
                AddPairs(words[w], w, counts[w], -1, pairCounts, pairWords);
                words[w] = Merge(words[w], best, symbol);
                foreach (var changed in AddPairs(words[w], w, counts[w], +1, pairCounts, pairWords))
                    queue.Enqueue(changed, (pairCounts[changed], Key(tokens, changed)));
            }
            pairCounts.Remove(best);
            pairWords.Remove(best);
            progress?.Invoke(merges.Count, wanted);
        }
        return ByteLevelBpeTokenizer.FromTrained(tokens, merges.Select(m => (tokens[m.Item1], tokens[m.Item2])).ToList(), EndOfText);
    }

    static Dictionary<string, int> CountWords(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var regex = PreTokenizer();
        foreach (var text in texts)
            foreach (var match in regex.EnumerateMatches(text))
            {
                var word = text.Substring(match.Index, match.Length);
                counts[word] = counts.TryGetValue(word, out var c) ? c + 1 : 1;
            }
        return counts;
    }

    static string Key(List<string> tokens, (int A, int B) pair) => tokens[pair.A] + "\u0000" + tokens[pair.B];

    // Adds (sign +1) or removes (-1) the word's adjacent pairs; returns the pairs whose counts rose.
    static List<(int, int)> AddPairs(int[] word, int index, int count, int sign, Dictionary<(int, int), long> pairCounts, Dictionary<(int, int), HashSet<int>> pairWords)
    {
        var touched = new List<(int, int)>();
        for (int i = 0; i + 1 < word.Length; i++)
        {
            var pair = (word[i], word[i + 1]);
            pairCounts[pair] = (pairCounts.TryGetValue(pair, out var c) ? c : 0) + sign * count;
            if (sign > 0)
            {
                if (!pairWords.TryGetValue(pair, out var set)) pairWords[pair] = set = [];
                set.Add(index);
                touched.Add(pair);
            }
        }
        if (sign < 0)
            for (int i = 0; i + 1 < word.Length; i++)
                if (pairWords.TryGetValue((word[i], word[i + 1]), out var set)) set.Remove(index);
        return touched;
    }

    static int[] Merge(int[] word, (int A, int B) pair, int symbol)
    {
        var merged = new List<int>(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i] == pair.A && word[i + 1] == pair.B) { merged.Add(symbol); i++; }
            else merged.Add(word[i]);
        }
        return [.. merged];
    }
}
