namespace Flint.Text.Shards;

/// <summary>Appends token ids to numbered shard files (<c>SPLIT-00000.bin</c>, …) of little-endian uint16 or uint32.</summary>
internal sealed class ShardWriter(string directory, string split, bool wide, long shardTokens) : IDisposable
{
    readonly List<string> _shards = [];
    FileStream? _file;
    long _inShard;
    byte[] _buffer = [];

    public long Tokens { get; private set; }
    public long Documents { get; private set; }
    public IReadOnlyList<string> Shards => _shards;

    public void WriteDocument(ReadOnlySpan<int> ids)
    {
        Documents++;
        while (ids.Length > 0)
        {
            if (_file is null || _inShard == shardTokens) NextShard();
            int take = (int)Math.Min(ids.Length, shardTokens - _inShard);
            Write(ids[..take]);
            ids = ids[take..];
        }
    }

    void Write(ReadOnlySpan<int> ids)
    {
        int size = ids.Length * (wide ? 4 : 2);
        if (_buffer.Length < size) _buffer = new byte[Math.Max(size, 1 << 16)];
        if (wide)
            for (int i = 0; i < ids.Length; i++) BitConverter.TryWriteBytes(_buffer.AsSpan(i * 4), (uint)ids[i]);
        else
            for (int i = 0; i < ids.Length; i++) BitConverter.TryWriteBytes(_buffer.AsSpan(i * 2), (ushort)ids[i]);
        _file!.Write(_buffer, 0, size);
        _inShard += ids.Length;
        Tokens += ids.Length;
    }

    void NextShard()
    {
        _file?.Dispose();
        var name = $"{split}-{_shards.Count:D5}.bin";
        _shards.Add(name);
        _file = new FileStream(Path.Combine(directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        _inShard = 0;
    }

    public void Flush() => _file?.Flush(flushToDisk: true);

    public void Dispose() => _file?.Dispose();
}
