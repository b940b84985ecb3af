namespace Flint.Checkpoints;

/// <summary>One tensor's header entry in a safetensors file.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Dtype">safetensors dtype (<c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>, <c>I64</c>, <c>I32</c>, <c>U8</c>, <c>BOOL</c>, …).</param>
/// <param name="Shape">Shape.</param>
/// <param name="Begin">Start of the data, relative to the end of the header.</param>
/// <param name="End">End of the data (exclusive).</param>
public sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End);
