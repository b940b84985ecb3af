namespace Flint.Checkpoints;

/// <summary>The dtype HuggingFace weights are loaded as (<c>--weights.dtype</c>).</summary>
public enum WeightsDtype
{
    /// <summary>As the file stores them: float32 loads, half-precision floats are refused (Flint's models hold float32).</summary>
    AsStored,
    /// <summary>Cast floating-point tensors (F16, BF16, F64) to float32 on load; F16 and BF16 widen exactly.</summary>
    Float32,
}
