using Flint.Training;
using static TorchSharp.torch;

namespace Samples.NewObjective;

/// <summary>
/// Windows of which about half had a span shuffled: <see cref="Input"/> (B, T) token ids, <see cref="Target"/> (B, T)
/// next tokens (−100 in shuffled windows, which teach no language), <see cref="Shuffled"/> (B) 1 or 0.
/// </summary>
public sealed record SpanBatch(Tensor Input, Tensor Target, Tensor Shuffled) : IDeviceBatch<SpanBatch>
{
    /// <summary>What a corrupted window's targets hold: ignored by the next-token loss.</summary>
    public const long Ignored = -100;

    /// <summary>Windows in the batch.</summary>
    public long Size => Input.shape[0];

    /// <inheritdoc />
    public SpanBatch To(Device device) => Input.device == device ? this : new(Input.to(device), Target.to(device), Shuffled.to(device));
}
