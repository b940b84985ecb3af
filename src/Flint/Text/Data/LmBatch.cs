using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Text.Data;

/// <summary>A language-modelling batch: (B, T) int64 inputs and the next tokens as targets.</summary>
/// <param name="Input">Token ids (B, T).</param>
/// <param name="Target">Next-token ids (B, T); -100 marks positions without a target.</param>
public sealed record LmBatch(Tensor Input, Tensor Target) : IDeviceBatch<LmBatch>
{
    /// <inheritdoc />
    public LmBatch To(Device device) => Input.device == device ? this : new LmBatch(Input.to(device), Target.to(device));
}
