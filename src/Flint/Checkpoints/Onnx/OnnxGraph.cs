using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Checkpoints.Onnx;

/// <summary>
/// The parts of an ONNX model that weight import needs: initializers (and <c>Constant</c> nodes' tensors) as CPU tensors,
/// and the nodes in order. Reads the protobuf wire format with Google.Protobuf's <see cref="CodedInputStream"/> (which
/// TorchSharp already brings for TensorBoard), field numbers from onnx.proto; nothing is executed.
/// </summary>
public sealed class OnnxGraph : IDisposable
{
    readonly Dictionary<string, Tensor> _initializers = new(StringComparer.Ordinal);
    readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    readonly List<OnnxNode> _nodes = [];

    OnnxGraph(string origin) => Origin = origin;

    /// <summary>The file (or resource) the graph was read from, for messages.</summary>
    public string Origin { get; }

    /// <summary>The exporter, e.g. <c>pytorch 1.10</c>.</summary>
    public string Producer { get; private set; } = "";

    /// <summary>Weights stored in the graph, by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Initializers => _initializers;

    /// <summary>Nodes in graph order.</summary>
    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    /// <summary>The tensor behind <paramref name="name"/>: an initializer or a <c>Constant</c> node's output; null otherwise.</summary>
    public Tensor? Value(string name) => _initializers.TryGetValue(name, out var t) ? t : _constants.GetValueOrDefault(name);

    /// <summary>The nodes that read <paramref name="value"/>.</summary>
    public IEnumerable<OnnxNode> Consumers(string value) => _nodes.Where(n => n.Inputs.Contains(value));

    /// <summary>Reads an ONNX file.</summary>
    public static OnnxGraph Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an ONNX model from a stream (e.g. a resource); <paramref name="origin"/> names it in errors.</summary>
    public static OnnxGraph Read(Stream stream, string origin)
    {
        var graph = new OnnxGraph(origin);
        try
        {
            var input = new CodedInputStream(stream);
            bool sawGraph = false;
            for (uint tag; (tag = input.ReadTag()) != 0;)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 2: graph.Producer = input.ReadString() + graph.Producer; break; // ModelProto.producer_name
                    case 3: graph.Producer += " " + input.ReadString(); break;            // ModelProto.producer_version
                    case 7: graph.ReadGraph(input.ReadBytes()); sawGraph = true; break;   // ModelProto.graph
                    default: input.SkipLastField(); break;
                }
            }
            if (!sawGraph) throw new InvalidDataException($"{origin} is not an ONNX model: it has no graph.");
            return graph;
        }
        catch (InvalidProtocolBufferException e)
        {
            graph.Dispose();
            throw new InvalidDataException($"{origin} is not a readable ONNX model ({e.Message}).", e);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    void ReadGraph(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadNode(input.ReadBytes()); break;  // GraphProto.node
                case 5:                                      // GraphProto.initializer
                    var (name, tensor) = ReadTensor(input.ReadBytes());
                    if (tensor is not null) _initializers[name] = tensor;
                    break;
                default: input.SkipLastField(); break;
            }
        }
    }

    void ReadNode(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var (inputs, outputs, name, op) = (new List<string>(), new List<string>(), "", "");
        Tensor? value = null;
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inputs.Add(input.ReadString()); break;
                case 2: outputs.Add(input.ReadString()); break;
                case 3: name = input.ReadString(); break;
                case 4: op = input.ReadString(); break;
                case 5: value ??= ReadAttributeTensor(input.ReadBytes()); break; // a Constant's "value"
                default: input.SkipLastField(); break;
            }
        }
        _nodes.Add(new OnnxNode(op, name, inputs, outputs));
        if (op == "Constant" && value is not null && outputs.Count == 1) _constants[outputs[0]] = value;
        else value?.Dispose();
    }

    Tensor? ReadAttributeTensor(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        Tensor? tensor = null;
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 5) tensor = ReadTensor(input.ReadBytes()).Tensor; // AttributeProto.t
            else input.SkipLastField();
        }
        return tensor;
    }

    /// <summary>A TensorProto as a CPU tensor; null for element types weights never use (strings, complex, …).</summary>
    (string Name, Tensor? Tensor) ReadTensor(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var dims = new List<long>();
        var floats = new List<float>();
        var longs = new List<long>();
        var ints = new List<int>();
        (string name, int type, ByteString? raw, bool external) = ("", 0, null, false);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadRepeated(input, tag, dims, i => i.ReadInt64()); break;
                case 2: type = input.ReadInt32(); break;
                case 4: ReadRepeated(input, tag, floats, i => i.ReadFloat()); break;
                case 5: ReadRepeated(input, tag, ints, i => i.ReadInt32()); break;
                case 7: ReadRepeated(input, tag, longs, i => i.ReadInt64()); break;
                case 8: name = input.ReadString(); break;
                case 9: raw = input.ReadBytes(); break;
                case 14: external = input.ReadInt32() == 1; break;
                default: input.SkipLastField(); break;
            }
        }
        if (external)
            throw new InvalidDataException($"{Origin}: tensor '{name}' is stored in an external data file, which Flint does not read. Re-export the model with the weights inside the .onnx file.");
        ScalarType? dtype = type switch { 1 => ScalarType.Float32, 6 => ScalarType.Int32, 7 => ScalarType.Int64, 11 => ScalarType.Float64, 9 => ScalarType.Bool, 10 => ScalarType.Float16, _ => null };
        if (dtype is not { } scalar) return (name, null);
        var shape = dims.ToArray();
        Tensor result;
        if (raw is not null)
        {
            result = empty(shape, scalar);
            if (raw.Length != result.bytes.Length)
                throw new InvalidDataException($"{Origin}: tensor '{name}' ([{string.Join(", ", shape)}], {scalar}) needs {result.bytes.Length} bytes but holds {raw.Length}.");
            raw.Span.CopyTo(result.bytes);
        }
        else if (floats.Count > 0) result = tensor(floats.ToArray()).reshape(shape);
        else if (longs.Count > 0) result = tensor(longs.ToArray()).reshape(shape);
        else if (ints.Count > 0) result = tensor(ints.ToArray()).to_type(scalar).reshape(shape);
        else result = zeros(shape, scalar);
        return (name, result.DetachFromDisposeScope());
    }

    /// <summary>A repeated scalar field, packed (one length-delimited run) or not (one value per tag).</summary>
    static void ReadRepeated<T>(CodedInputStream input, uint tag, List<T> into, Func<CodedInputStream, T> read)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(read(input));
            return;
        }
        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd) into.Add(read(packed));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _initializers.Values.Concat(_constants.Values)) t.Dispose();
        _initializers.Clear();
        _constants.Clear();
    }
}
