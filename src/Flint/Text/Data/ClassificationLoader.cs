using System.Collections;
using Flint.Runtime;
using Flint.Text.Tokenizers;
using static TorchSharp.torch;

namespace Flint.Text.Data;

/// <summary>
/// Tokenizes labelled examples once (in parallel), then yields dynamically padded batches: each batch is padded only to
/// its own longest row. Each enumeration is one epoch with an order that depends only on (seed, epoch); the position
/// (epoch, batches consumed) is checkpoint state, so a resumed run continues mid-epoch exactly.
/// </summary>
public sealed class ClassificationLoader : Training.IEpochSource<ClassificationBatch>, Training.IStateful
{
    readonly int[][] _ids;
    readonly int[] _labels;
    readonly ClassificationLoaderOptions _o;
    readonly int _pad;
    int _epoch, _cursor;

    /// <summary>Tokenizes <paramref name="examples"/> with <paramref name="tokenizer"/>; labels map through <paramref name="labels"/> (unknown labels are errors).</summary>
    public ClassificationLoader(IReadOnlyList<LabeledExample> examples, ITokenizer tokenizer, LabelMap labels, ClassificationLoaderOptions options)
    {
        options.Validate();
        if (examples.Count == 0) throw new ArgumentException("There are no examples to load.", nameof(examples));
        _o = options;
        _pad = tokenizer.Specials.PadOrFallback;
        _labels = examples.Select(labels.IdOf).ToArray();
        _ids = new int[examples.Count][];
        int room = options.MaxLength - (options.PrependToken is null ? 0 : 1) - (options.AppendToken is null ? 0 : 1);
        Parallel.For(0, examples.Count, i =>
        {
            var ids = tokenizer.Encode(examples[i].Text);
            if (ids.Length > room) ids = ids[..room];
            IEnumerable<int> all = ids;
            if (options.PrependToken is { } first) all = all.Prepend(first);
            if (options.AppendToken is { } last) all = all.Append(last);
            _ids[i] = [.. all];
        });
        Labels = labels;
    }

    /// <summary>The label map.</summary>
    public LabelMap Labels { get; }

    /// <summary>Examples.</summary>
    public int Examples => _ids.Length;

    /// <summary>Batches per epoch (the last may be smaller).</summary>
    public int Count => (Examples + _o.BatchSize * _o.WorldSize - 1) / (_o.BatchSize * _o.WorldSize);

    /// <inheritdoc />
    public string StateKey => "data/classification";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonNode SaveState() => new System.Text.Json.Nodes.JsonObject { ["epoch"] = _epoch, ["cursor"] = _cursor, ["examples"] = Examples };

    /// <inheritdoc />
    public void LoadState(System.Text.Json.Nodes.JsonNode state)
    {
        if (state["examples"]!.GetValue<int>() != Examples)
            throw new InvalidOperationException($"The saved data position is for {state["examples"]} examples but this loader has {Examples}; resuming would not see the same batches.");
        _epoch = state["epoch"]!.GetValue<int>();
        _cursor = state["cursor"]!.GetValue<int>();
    }

    /// <summary>Padding tokens per real token over an epoch's batches (what bucketing reduces).</summary>
    public double PaddingRatio(int epoch = 0)
    {
        long real = 0, padded = 0;
        foreach (var batch in Order(epoch))
        {
            int longest = batch.Max(i => _ids[i].Length);
            real += batch.Sum(i => _ids[i].Length);
            padded += (long)longest * batch.Length;
        }
        return (padded - real) / (double)real;
    }

    /// <summary>Enumerates the current epoch from its cursor and advances both (for hand-written loops).</summary>
    public IEnumerator<ClassificationBatch> GetEnumerator()
    {
        var order = Order(_epoch);
        for (int b = _cursor; b < order.Count; b++)
        {
            _cursor = b + 1;
            yield return Collate(order[b]);
        }
        _epoch++;
        _cursor = 0;
    }

    /// <inheritdoc />
    public IEnumerable<ClassificationBatch> Batches(int epoch, long from = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        var order = Order(epoch);
        for (long b = from; b < order.Count; b++) yield return Collate(order[(int)b]);
    }

    ClassificationBatch Collate(int[] rows)
    {
        int longest = rows.Max(i => _ids[i].Length);
        var input = new long[rows.Length * longest];
        var mask = new long[rows.Length * longest];
        var labels = new long[rows.Length];
        var lengths = new long[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            var ids = _ids[rows[r]];
            for (int t = 0; t < longest; t++)
            {
                input[r * longest + t] = t < ids.Length ? ids[t] : _pad;
                mask[r * longest + t] = t < ids.Length ? 1 : 0;
            }
            labels[r] = _labels[rows[r]];
            lengths[r] = ids.Length;
        }
        return new ClassificationBatch(tensor(input, [rows.Length, longest]), tensor(mask, [rows.Length, longest]), tensor(labels), tensor(lengths));
    }

    List<int[]> Order(int epoch)
    {
        var indices = Enumerable.Range(0, Examples).ToArray();
        var random = Seeds.Random(_o.Seed, epoch, "classification-loader");
        if (_o.Shuffle) random.Shuffle(indices);
        if (_o.BucketByLength)
        {
            // Sort within windows of 50 batches, so batches hold similar lengths but epochs still differ.
            int window = _o.BatchSize * _o.WorldSize * 50;
            for (int s = 0; s < indices.Length; s += window)
                Array.Sort(indices, s, Math.Min(window, indices.Length - s), Comparer<int>.Create((a, b) => _ids[a].Length.CompareTo(_ids[b].Length)));
        }
        // Global batches of BatchSize × WorldSize (what one process with that batch would see); each rank takes its share.
        int global = _o.BatchSize * _o.WorldSize;
        var batches = indices.Chunk(global).ToList();
        if (_o.BucketByLength && _o.Shuffle)
        {
            var shuffled = batches.ToArray();
            random.Shuffle(shuffled);
            batches = [.. shuffled];
        }
        if (_o.WorldSize == 1) return batches;
        if (batches.Any(b => b.Length < _o.WorldSize))
            throw new InvalidOperationException(
                $"A batch of {batches.Min(b => b.Length)} examples cannot be shared by {_o.WorldSize} processes; use fewer processes or a data set whose size leaves at least one example per process in the last batch.");
        return batches.Select(Share).ToList();
    }

    /// <summary>This rank's rows of a global batch: an even split (the first ranks take one more when it does not divide).</summary>
    int[] Share(int[] batch)
    {
        int size = batch.Length / _o.WorldSize, extra = batch.Length % _o.WorldSize;
        int start = _o.Rank * size + Math.Min(_o.Rank, extra);
        return batch[start..(start + size + (_o.Rank < extra ? 1 : 0))];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
