using TorchSharp.Modules;

namespace Flint.Runtime;

/// <summary>One process: rank 0 of 1; a sum over the world is the tensor itself.</summary>
public sealed class SingleProcess : IDistributedContext
{
    /// <summary>The shared instance.</summary>
    public static SingleProcess Instance { get; } = new();

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int WorldSize => 1;

    /// <inheritdoc />
    public void AllReduceSum(IReadOnlyList<TorchSharp.torch.Tensor> tensors) { }

    /// <inheritdoc />
    public void AllReduceMax(IReadOnlyList<TorchSharp.torch.Tensor> tensors) { }

    /// <inheritdoc />
    public void Broadcast(IReadOnlyList<TorchSharp.torch.Tensor> tensors, int root = 0) { }

    /// <inheritdoc />
    public void Barrier() { }
}
