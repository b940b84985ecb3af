using System.Collections;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Flint.Text.Shards;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Text.Data;

/// <summary>
/// Batches of (context + 1)-token windows from memory-mapped shards. Each enumeration is one epoch; the order depends
/// only on (seed, epoch), and the cursor (epoch, batches consumed) is checkpoint state, so a resumed run sees exactly the
/// batches an uninterrupted run would have. A background thread copies windows into host arrays ahead of the training
/// step; the step only wraps them as tensors (one copy), so it never waits on data.
/// </summary>
public sealed class LmLoader : IEpochSource<LmBatch>, IStateful
{
    readonly TokenShards _shards;
    readonly LmLoaderOptions _o;

    /// <summary>Creates a loader over <paramref name="shards"/>.</summary>
    public LmLoader(TokenShards shards, LmLoaderOptions options)
    {
        options.Validate();
        _shards = shards;
        _o = options;
        int slack = options.Shuffle ? options.Context - 1 : 0;
        Windows = Math.Max(0, (shards.Length - 1 - slack) / options.Context);
        long perBatch = (long)options.BatchSize * options.WorldSize;
        BatchesPerEpoch = options.DropLast ? Windows / perBatch : (Windows + perBatch - 1) / perBatch;
        if (BatchesPerEpoch == 0)
            throw new ArgumentException(
                $"The '{shards.Split}' split of {shards.Directory} has {shards.Length:N0} tokens: too few for one batch of {options.BatchSize} × {options.Context + 1} tokens" +
                (options.WorldSize > 1 ? $" on each of {options.WorldSize} processes" : "") + ". Use a smaller batch or context, or more data.");
    }

    /// <summary>Windows per epoch.</summary>
    public long Windows { get; }

    /// <summary>Batches per epoch for this rank: full batches only, unless <see cref="LmLoaderOptions.DropLast"/> is false
    /// (evaluation), when a last, smaller batch holds the remaining windows so every window is seen.</summary>
    public long BatchesPerEpoch { get; }

    /// <summary>Batches per epoch (what an epoch of <c>Trainer.Fit</c> draws).</summary>
    public int Count => (int)Math.Min(int.MaxValue, BatchesPerEpoch);

    /// <summary>The epoch the next enumeration yields.</summary>
    public int Epoch { get; private set; }

    /// <summary>Batches of <see cref="Epoch"/> already consumed (the next enumeration resumes there).</summary>
    public long Cursor { get; private set; }

    /// <summary>Tokens per batch (B × T).</summary>
    public long TokensPerBatch => (long)_o.BatchSize * _o.Context;

    /// <summary>The start offsets (in tokens) of the windows of batch <paramref name="batch"/> of epoch <paramref name="epoch"/>, for this rank.</summary>
    public long[] WindowStarts(int epoch, long batch)
    {
        var (order, offset) = EpochLayout(epoch);
        long first = (batch * _o.WorldSize + _o.Rank) * _o.BatchSize;
        var starts = new long[Math.Clamp(Windows - first, 0, _o.BatchSize)];
        for (int i = 0; i < starts.Length; i++) starts[i] = (order?[first + i] ?? first + i) * _o.Context + offset;
        return starts;
    }

    /// <summary>Enumerates epoch <see cref="Epoch"/> from <see cref="Cursor"/> and advances both (for hand-written loops).</summary>
    public IEnumerator<LmBatch> GetEnumerator()
    {
        int epoch = Epoch;
        foreach (var batch in Enumerate(epoch, Cursor, advance: true)) yield return batch;
        Epoch = epoch + 1;
        Cursor = 0;
    }

    /// <inheritdoc />
    public IEnumerable<LmBatch> Batches(int epoch, long from = 0) => Enumerate(epoch, from, advance: false);

    IEnumerable<LmBatch> Enumerate(int epoch, long from, bool advance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        using var queue = new BlockingCollection<(long[] Input, long[] Target)>(_o.Prefetch);
        using var cancel = new CancellationTokenSource();
        var producer = Task.Run(() => Produce(epoch, from, queue, cancel.Token));
        try
        {
            for (long b = from; b < BatchesPerEpoch; b++)
            {
                var (input, target) = queue.Take();
                if (advance) Cursor = b + 1;
                long rows = input.Length / _o.Context;
                yield return new LmBatch(tensor(input, [rows, _o.Context]), tensor(target, [rows, _o.Context]));
            }
        }
        finally
        {
            cancel.Cancel();
            try { producer.Wait(); } catch (AggregateException e) when (e.InnerException is OperationCanceledException) { }
        }
    }

    void Produce(int epoch, long from, BlockingCollection<(long[], long[])> queue, CancellationToken cancel)
    {
        var window = new long[_o.Context + 1];
        for (long b = from; b < BatchesPerEpoch; b++)
        {
            var starts = WindowStarts(epoch, b);
            var input = new long[starts.Length * _o.Context];
            var target = new long[starts.Length * _o.Context];
            for (int i = 0; i < starts.Length; i++)
            {
                _shards.Read(starts[i], window);
                Array.Copy(window, 0, input, i * _o.Context, _o.Context);
                Array.Copy(window, 1, target, i * _o.Context, _o.Context);
            }
            queue.Add((input, target), cancel);
        }
    }

    (long[]? Order, long Offset) EpochLayout(int epoch)
    {
        if (!_o.Shuffle) return (null, 0);
        if (_layout is { } cached && cached.Epoch == epoch) return (cached.Order, cached.Offset);
        var random = Runtime.Seeds.Random(_o.Seed, epoch, "lm-loader");
        var order = new long[Windows];
        for (long i = 0; i < Windows; i++) order[i] = i;
        for (long i = Windows - 1; i > 0; i--)
        {
            long j = random.NextInt64(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        long offset = random.Next(_o.Context);
        _layout = (epoch, order, offset);
        return (order, offset);
    }

    (int Epoch, long[] Order, long Offset)? _layout;

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public string StateKey => $"data/{_shards.Split}";

    /// <inheritdoc />
    public JsonNode SaveState() => new JsonObject
    {
        ["epoch"] = Epoch, ["cursor"] = Cursor, ["seed"] = _o.Seed, ["batch_size"] = _o.BatchSize, ["context"] = _o.Context,
        ["shuffle"] = _o.Shuffle, ["tokens"] = _shards.Length,
    };

    /// <inheritdoc />
    public void LoadState(JsonNode state)
    {
        void Same<T>(string key, T value)
        {
            var saved = state[key]!.GetValue<T>();
            if (!EqualityComparer<T>.Default.Equals(saved, value))
                throw new InvalidOperationException($"The saved data position has {key} = {saved} but this loader has {value}; resuming would not see the same batches.");
        }
        Same("seed", _o.Seed);
        Same("batch_size", _o.BatchSize);
        Same("context", _o.Context);
        Same("shuffle", _o.Shuffle);
        Same("tokens", _shards.Length);
        Epoch = state["epoch"]!.GetValue<int>();
        Cursor = state["cursor"]!.GetValue<long>();
    }
}
