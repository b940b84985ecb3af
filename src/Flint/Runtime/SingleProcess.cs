using TorchSharp.Modules;

namespace Flint.Runtime;

/// <summary>One process: rank 0 of 1, gradients are already the mean over the world.</summary>
public sealed class SingleProcess : IDistributedContext
{
    /// <summary>The shared instance.</summary>
    public static SingleProcess Instance { get; } = new();

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int WorldSize => 1;

    /// <inheritdoc />
    public void AllReduceGradients(IReadOnlyList<Parameter> parameters) { }
}
