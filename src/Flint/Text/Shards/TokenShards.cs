using System.IO.MemoryMappedFiles;
using Flint.Text.Tokenizers;

namespace Flint.Text.Shards;

/// <summary>
/// One split of a tokenized dataset, memory-mapped: reading a window copies just those tokens, and the OS pages the rest
/// in and out, so datasets far larger than memory work.
/// </summary>
public sealed unsafe class TokenShards : IDisposable
{
    readonly List<(MemoryMappedFile File, MemoryMappedViewAccessor View, IntPtr Pointer, long Tokens)> _shards = [];
    readonly long[] _starts;
    readonly int _width;

    TokenShards(string directory, string split, TokenDatasetMeta meta)
    {
        Directory = directory;
        Split = split;
        Meta = meta;
        if (!meta.Splits.TryGetValue(split, out var info))
            throw new ArgumentException($"{directory} has no '{split}' split (it has: {string.Join(", ", meta.Splits.Keys)}).", nameof(split));
        _width = meta.BytesPerToken;
        var starts = new List<long>();
        long total = 0;
        foreach (var name in info.Shards)
        {
            var path = Path.Combine(directory, name);
            var length = new FileInfo(path).Length;
            if (length % _width != 0) throw new InvalidDataException($"{path}: {length} bytes is not a whole number of {meta.Dtype} tokens; the file is damaged.");
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            starts.Add(total);
            _shards.Add((file, view, (IntPtr)(pointer + view.PointerOffset), length / _width));
            total += length / _width;
        }
        if (total != info.Tokens)
            throw new InvalidDataException($"{directory}: the '{split}' shards hold {total} tokens but {TokenDatasetMeta.FileName} says {info.Tokens}; the dataset is damaged.");
        _starts = [.. starts];
        Length = total;
    }

    /// <summary>Opens <paramref name="split"/> (<c>train</c> or <c>val</c>) of the dataset in <paramref name="directory"/>.</summary>
    public static TokenShards Open(string directory, string split = "train") => new(directory, split, TokenDatasetMeta.Read(directory));

    /// <summary>The dataset folder.</summary>
    public string Directory { get; }

    /// <summary>The split.</summary>
    public string Split { get; }

    /// <summary>The header.</summary>
    public TokenDatasetMeta Meta { get; }

    /// <summary>Tokens in the split.</summary>
    public long Length { get; }

    /// <summary>Loads the tokenizer saved with the dataset.</summary>
    public ITokenizer LoadTokenizer() => Tokenizers.Tokenizers.Load(Path.Combine(Directory, "tokenizer"));

    /// <summary>Copies tokens [<paramref name="start"/>, start + destination.Length) into <paramref name="destination"/> as int64 ids.</summary>
    public void Read(long start, Span<long> destination)
    {
        if (start < 0 || start + destination.Length > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Tokens [{start}, {start + destination.Length}) are outside the split's {Length} tokens.");
        int done = 0;
        int shard = Array.BinarySearch(_starts, start);
        if (shard < 0) shard = ~shard - 1;
        long offset = start - _starts[shard];
        while (done < destination.Length)
        {
            var (_, _, address, tokens) = _shards[shard];
            byte* pointer = (byte*)address;
            int take = (int)Math.Min(destination.Length - done, tokens - offset);
            if (_width == 2)
            {
                var source = new ReadOnlySpan<ushort>(pointer + offset * 2, take);
                for (int i = 0; i < take; i++) destination[done + i] = source[i];
            }
            else
            {
                var source = new ReadOnlySpan<uint>(pointer + offset * 4, take);
                for (int i = 0; i < take; i++) destination[done + i] = source[i];
            }
            done += take;
            shard++;
            offset = 0;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (file, view, _, _) in _shards)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
        _shards.Clear();
    }
}
