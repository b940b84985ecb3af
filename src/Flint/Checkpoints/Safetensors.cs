using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header, raw little-endian data)
/// directly, so every name, dtype, shape and byte range is checked before any tensor is made: a truncated file, a bad
/// header or an entry whose bytes do not match its shape is rejected with the file named.
/// </summary>
public static class Safetensors
{
    static readonly Dictionary<ScalarType, (string Name, int Size)> Dtypes = new()
    {
        [ScalarType.Float32] = ("F32", 4), [ScalarType.Float16] = ("F16", 2), [ScalarType.BFloat16] = ("BF16", 2), [ScalarType.Float64] = ("F64", 8),
        [ScalarType.Int64] = ("I64", 8), [ScalarType.Int32] = ("I32", 4), [ScalarType.Int16] = ("I16", 2), [ScalarType.Int8] = ("I8", 1),
        [ScalarType.Byte] = ("U8", 1), [ScalarType.Bool] = ("BOOL", 1),
    };

    /// <summary>Writes <paramref name="tensors"/> (copied to the CPU) with optional string metadata.</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope();
        var items = tensors.Select(t => (t.Name, Tensor: t.Tensor.detach().cpu().contiguous())).ToList();
        var header = new JsonObject();
        if (metadata is not null) header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        foreach (var (name, tensor) in items)
        {
            if (!Dtypes.TryGetValue(tensor.dtype, out var dtype)) throw new NotSupportedException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store.");
            long size = tensor.numel() * dtype.Size;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype.Name,
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Write(length);
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        foreach (var (_, tensor) in items) file.Write(tensor.bytes);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Reads the header only: names, dtypes, shapes, byte ranges; validates that every range fits the file and matches its shape.</summary>
    public static (IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length < 8) throw Bad(path, $"it is {file.Length} bytes long, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > 100_000_000 || 8 + (long)headerLength > file.Length)
            throw Bad(path, $"the header claims {headerLength} bytes but the file has {file.Length - 8} after the length field (truncated or not safetensors)");
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw Bad(path, "the header is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Bad(path, $"the header is not valid JSON ({e.Message})");
        }
        long dataLength = file.Length - 8 - (long)headerLength;
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject()) metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            try
            {
                var dtype = node!["dtype"]!.GetValue<string>();
                var shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var size = Dtypes.Values.FirstOrDefault(d => d.Name == dtype).Size;
                if (size == 0) throw Bad(path, $"tensor '{name}' has unsupported dtype '{dtype}'");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * size;
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    throw Bad(path, $"tensor '{name}' points at bytes [{string.Join(", ", offsets)}) outside the {dataLength} data bytes (truncated?)");
                if (offsets[1] - offsets[0] != expected)
                    throw Bad(path, $"tensor '{name}' ({dtype} [{string.Join(", ", shape)}]) needs {expected} bytes but its range holds {offsets[1] - offsets[0]}");
                entries.Add(new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]));
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
            {
                throw Bad(path, $"the header entry for '{name}' is malformed");
            }
        }
        return (entries, metadata, 8 + (long)headerLength);
    }

    /// <summary>Reads every tensor (on the CPU, outside any dispose scope) after validating the header.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var (entries, _, start) = ReadHeader(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        foreach (var e in entries)
        {
            var bytes = new byte[e.End - e.Begin];
            file.Position = start + e.Begin;
            file.ReadExactly(bytes);
            var type = Dtypes.First(d => d.Value.Name == e.Dtype).Key;
            var tensor = empty(e.Shape, type);
            bytes.CopyTo(tensor.bytes);
            result[e.Name] = tensor.DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>The safetensors dtype name of a TorchSharp dtype.</summary>
    public static string DtypeName(ScalarType type) => Dtypes.TryGetValue(type, out var d) ? d.Name : type.ToString();

    static InvalidDataException Bad(string path, string what) => new($"{path} is not a valid safetensors file: {what}.");
}
