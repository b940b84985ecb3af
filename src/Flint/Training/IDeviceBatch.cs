using TorchSharp;

namespace Flint.Training;

/// <summary>A batch that knows how to move its tensors to a device.</summary>
public interface IDeviceBatch<out TBatch>
{
    /// <summary>A copy of the batch on <paramref name="device"/> (or itself when already there).</summary>
    TBatch To(torch.Device device);
}
