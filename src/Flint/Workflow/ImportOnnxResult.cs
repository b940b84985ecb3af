using Flint.Checkpoints;

namespace Flint.Workflow;

/// <summary>What an ONNX import wrote.</summary>
/// <param name="Out">The folder.</param>
/// <param name="Config">The architecture written to config.json.</param>
/// <param name="Tensors">Tensors written to model.safetensors.</param>
/// <param name="Renamed">Of those, weights named from the bias their MatMul feeds (stored transposed in the ONNX file).</param>
/// <param name="LowerCase">Whether the vocabulary is uncased (written as tokenizer_config.json's do_lower_case).</param>
/// <param name="Producer">The exporter that made the ONNX file.</param>
/// <param name="Check">Loading the written folder into Flint's BERT: every tensor placed, the MLM head (absent) not used.</param>
public sealed record ImportOnnxResult(string Out, HfBertConfig Config, int Tensors, int Renamed, bool LowerCase, string Producer, LoadReport Check);
