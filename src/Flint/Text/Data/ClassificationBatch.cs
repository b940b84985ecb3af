using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Text.Data;

/// <summary>A padded classification batch.</summary>
/// <param name="Input">Token ids (B, T), right-padded.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding (B, T).</param>
/// <param name="Labels">Class ids (B).</param>
/// <param name="Lengths">Real length of each row (B); the last real token is at Lengths − 1.</param>
public sealed record ClassificationBatch(Tensor Input, Tensor AttentionMask, Tensor Labels, Tensor Lengths) : IDeviceBatch<ClassificationBatch>
{
    /// <inheritdoc />
    public ClassificationBatch To(Device device) =>
        Input.device == device ? this : new ClassificationBatch(Input.to(device), AttentionMask.to(device), Labels.to(device), Lengths.to(device));
}
