using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Flint.Checkpoints;

/// <summary>
/// A HuggingFace folder's weight file, <c>model.safetensors</c> or <c>pytorch_model.bin</c> (PyTorch's zip pickle, read
/// by TorchSharp.PyBridge), and how to read it: floating-point tensors that are not float32 are refused unless
/// <paramref name="Dtype"/> asks to cast them.
/// </summary>
/// <param name="Path">The file.</param>
/// <param name="Dtype">What to do with F16, BF16 and F64 tensors.</param>
public sealed record HfWeightFile(string Path, WeightsDtype Dtype = WeightsDtype.AsStored)
{
    /// <summary>File names, in the order a folder is searched.</summary>
    public const string SafetensorsName = "model.safetensors", PyTorchName = "pytorch_model.bin";

    /// <summary>The weight file in <paramref name="folder"/> (safetensors first), or null when it has neither.</summary>
    public static HfWeightFile? In(string folder, WeightsDtype dtype = WeightsDtype.AsStored)
    {
        foreach (var name in new[] { SafetensorsName, PyTorchName })
            if (File.Exists(System.IO.Path.Combine(folder, name))) return new HfWeightFile(System.IO.Path.Combine(folder, name), dtype);
        foreach (var index in new[] { SafetensorsName + ".index.json", PyTorchName + ".index.json" })
            if (File.Exists(System.IO.Path.Combine(folder, index)))
                throw new InvalidDataException($"{System.IO.Path.Combine(folder, index)}: the weights are sharded over several files, which Flint does not import; save the model unsharded (save_pretrained(..., max_shard_size=\"100GB\")).");
        return null;
    }

    /// <summary>True for <c>pytorch_model.bin</c> (any <c>.bin</c>/<c>.pt</c>/<c>.pth</c>), false for safetensors.</summary>
    public bool IsPyTorch => !Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every tensor (on the CPU, outside any dispose scope), cast to float32 where <see cref="Dtype"/> asks.</summary>
    public Dictionary<string, Tensor> Read()
    {
        var tensors = IsPyTorch ? ReadPyTorch() : Safetensors.Read(Path);
        foreach (var (name, tensor) in tensors.ToList())
        {
            if (!tensor.is_floating_point() || tensor.dtype == ScalarType.Float32) continue;
            if (Dtype != WeightsDtype.Float32)
            {
                var refusal = new InvalidDataException(
                    $"{Path}: tensor '{name}' is {Safetensors.DtypeName(tensor.dtype)}, and Flint's models hold float32. " +
                    "Pass --weights.dtype float32 to cast the weights on load (F16 and BF16 widen to float32 exactly).");
                foreach (var t in tensors.Values) t.Dispose();
                throw refusal;
            }
            tensors[name] = tensor.to_type(ScalarType.Float32).DetachFromDisposeScope();
            tensor.Dispose();
        }
        return tensors;
    }

    /// <summary>Names and shapes without reading the data where the format allows it (safetensors).</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Shapes()
    {
        if (!IsPyTorch) return [.. Safetensors.ReadHeader(Path).Entries.Select(e => (e.Name, e.Shape))];
        var tensors = ReadPyTorch();
        var shapes = tensors.Select(kv => (kv.Key, kv.Value.shape)).ToList();
        foreach (var t in tensors.Values) t.Dispose();
        return shapes;
    }

    Dictionary<string, Tensor> ReadPyTorch()
    {
        System.Collections.Hashtable table;
        try
        {
            using var scope = NewDisposeScope();
            table = PyTorchUnpickler.UnpickleStateDict(Path);
            foreach (var value in table.Values) (value as Tensor)?.DetachFromDisposeScope();
        }
        catch (Exception e) when (e is not OutOfMemoryException and not FileNotFoundException)
        {
            throw new InvalidDataException($"{Path} is not a PyTorch state dict Flint can read ({e.GetType().Name}: {e.Message}). Save it with torch.save(model.state_dict()) or as safetensors.", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in table)
        {
            if (entry.Value is Tensor t) result[entry.Key.ToString()!] = t;
            else
            {
                foreach (var v in table.Values.OfType<Tensor>()) v.Dispose();
                throw new InvalidDataException(
                    $"{Path}: '{entry.Key}' holds a {entry.Value?.GetType().Name ?? "null"}, not a tensor: the file is not a flat state dict (a training checkpoint?). Save model.state_dict() alone.");
            }
        }
        return result;
    }
}
