namespace Flint.Checkpoints.Onnx;

/// <summary>One operator of an ONNX graph: its type, name and the value names it reads and writes.</summary>
/// <param name="OpType">Operator (<c>MatMul</c>, <c>Add</c>, <c>Erf</c>, …).</param>
/// <param name="Name">Node name (may be empty).</param>
/// <param name="Inputs">Names of the values it reads (initializers, graph inputs or other nodes' outputs).</param>
/// <param name="Outputs">Names of the values it writes.</param>
public sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
