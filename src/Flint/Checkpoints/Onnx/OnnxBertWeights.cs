namespace Flint.Checkpoints.Onnx;

/// <summary>A BERT-family ONNX export's weights under HuggingFace <c>BertModel</c> names, and the architecture read from the graph.</summary>
/// <param name="Tensors">Weights by HF name (<c>embeddings.word_embeddings.weight</c>, <c>encoder.layer.0.attention.self.query.weight</c>, …); owned by the graph.</param>
/// <param name="Config">The architecture: sizes from weight shapes, heads from the attention scale, eps from the LayerNorms, GELU from the Erf nodes.</param>
/// <param name="Renamed">How many weights had exporter-given numeric names and were named from the bias their MatMul feeds.</param>
public sealed record OnnxBertWeights(IReadOnlyDictionary<string, TorchSharp.torch.Tensor> Tensors, HfBertConfig Config, int Renamed);
