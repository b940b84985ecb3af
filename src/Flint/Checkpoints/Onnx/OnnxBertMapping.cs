using System.Globalization;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Flint.Checkpoints.Onnx;

/// <summary>
/// Names the weights of a BERT-family ONNX export from PyTorch. Initializers that kept their module names map directly
/// (a prefix such as <c>bert.</c> is dropped). The exporter renames the Linear weights it turns into MatMul operands
/// (<c>927</c>, <c>onnx::MatMul_1234</c>) and stores them transposed, (in, out); each is named after the named bias that
/// its MatMul's output is added to (<c>encoder.layer.0.attention.self.query.bias</c> → <c>….query.weight</c>) and
/// transposed back to PyTorch's (out, in).
/// </summary>
public static partial class OnnxBertMapping
{
    /// <summary>Maps <paramref name="graph"/>; <paramref name="heads"/> overrides the head count read from the attention scale.</summary>
    public static OnnxBertWeights Map(OnnxGraph graph, int? heads = null)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in graph.Initializers)
            if (HfName(name) is { } hf && !hf.EndsWith("position_ids", StringComparison.Ordinal)) tensors[hf] = value;
        int renamed = 0;
        foreach (var node in graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2))
        {
            var weightName = node.Inputs[1];
            if (HfName(weightName) is not null || graph.Initializers.GetValueOrDefault(weightName) is not { } weight || weight.dim() != 2) continue;
            var bias = graph.Consumers(node.Outputs[0]).Where(n => n.OpType == "Add").SelectMany(n => n.Inputs)
                .Select(HfName).FirstOrDefault(n => n is not null && n.EndsWith(".bias", StringComparison.Ordinal))
                ?? throw new InvalidDataException(
                    $"{graph.Origin}: the MatMul weight '{weightName}' [{string.Join(", ", weight.shape)}] is not added to a named bias, so Flint cannot tell which layer it belongs to. " +
                    "Export the model from PyTorch with its module names kept (torch.onnx.export with do_constant_folding and without training-mode renaming).");
            tensors[bias[..^".bias".Length] + ".weight"] = weight.t().contiguous().DetachFromDisposeScope();
            renamed++;
        }
        return new OnnxBertWeights(tensors, Architecture(graph, tensors, heads), renamed);
    }

    /// <summary>The HF BertModel name inside an initializer name (<c>bert.encoder.…</c> → <c>encoder.…</c>); null for exporter-made names.</summary>
    static string? HfName(string name)
    {
        var match = HfKey().Match(name);
        return match.Success ? name[match.Groups["key"].Index..] : null;
    }

    [GeneratedRegex(@"(^|\.)(?<key>(embeddings|encoder|pooler)\.[A-Za-z_.0-9]+)$")]
    private static partial Regex HfKey();

    static HfBertConfig Architecture(OnnxGraph graph, IReadOnlyDictionary<string, Tensor> tensors, int? heads)
    {
        Tensor Need(string key) => tensors.GetValueOrDefault(key)
            ?? throw new InvalidDataException($"{graph.Origin} has no '{key}' weight: it is not a BERT-family export Flint recognises.");
        var words = Need("embeddings.word_embeddings.weight");
        int width = (int)words.shape[1];
        int layers = tensors.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        if (layers == 0) throw new InvalidDataException($"{graph.Origin} has no encoder.layer.N weights: it is not a BERT-family export Flint recognises.");
        if (!graph.Nodes.Any(n => n.OpType == "Erf"))
            throw new InvalidDataException($"{graph.Origin}: no Erf node, so its feed-forward activation is not BERT's exact GELU, the only one Flint's BERT implements.");
        int headCount = heads ?? (HeadSize(graph) is { } size && size > 0 && width % size == 0 ? width / size
            : throw new InvalidDataException($"{graph.Origin}: the attention heads could not be read from the graph (no QKᵀ/√d scale). Pass --heads N."));
        return new HfBertConfig
        {
            VocabSize = (int)words.shape[0], HiddenSize = width, Layers = layers, Heads = headCount,
            IntermediateSize = (int)Need("encoder.layer.0.intermediate.dense.weight").shape[0],
            MaxPositions = (int)Need("embeddings.position_embeddings.weight").shape[0],
            TypeVocabSize = tensors.TryGetValue("embeddings.token_type_embeddings.weight", out var types) ? (int)types.shape[0] : 0,
            LayerNormEps = LayerNormEps(graph) ?? 1e-12,
        };
    }

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();

    /// <summary>The head size d from the first attention scale: a Div of a MatMul of two activations (QKᵀ) by the constant √d.</summary>
    static int? HeadSize(OnnxGraph graph)
    {
        foreach (var div in graph.Nodes.Where(n => n.OpType == "Div" && n.Inputs.Count == 2))
        {
            var producer = graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(div.Inputs[0]));
            if (producer?.OpType != "MatMul" || producer.Inputs.Any(i => graph.Value(i) is not null)) continue;
            if (Scalar(graph, div.Inputs[1]) is { } scale && scale > 1) return (int)Math.Round(scale * scale);
        }
        return null;
    }

    /// <summary>The epsilon of the first decomposed LayerNorm: the constant added just before a Sqrt.</summary>
    static double? LayerNormEps(OnnxGraph graph)
    {
        foreach (var sqrt in graph.Nodes.Where(n => n.OpType == "Sqrt"))
        {
            var add = graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(sqrt.Inputs[0]));
            if (add?.OpType == "Add" && add.Inputs.Select(i => Scalar(graph, i)).FirstOrDefault(v => v is > 0 and < 0.1) is { } eps) return eps;
        }
        return null;
    }

    /// <summary>A one-element float constant, as the shortest decimal that round-trips its float32 value (1e-12, not 9.9999999600e-13).</summary>
    static double? Scalar(OnnxGraph graph, string name)
    {
        if (graph.Value(name) is not { } t || t.numel() != 1 || !t.is_floating_point()) return null;
        using var single = t.to_type(ScalarType.Float32);
        return double.Parse(single.item<float>().ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
