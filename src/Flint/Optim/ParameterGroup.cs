using TorchSharp.Modules;

namespace Flint.Optim;

/// <summary>Parameters that share an LR scale and a weight decay.</summary>
/// <param name="Name">A readable name (shown by DescribeLoop and the LR monitor).</param>
/// <param name="Parameters">The named parameters.</param>
/// <param name="LrScale">Multiplies the optimizer's base LR for this group (discriminative LRs).</param>
/// <param name="WeightDecay">Decoupled weight decay for this group.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<(string Name, Parameter Parameter)> Parameters, double LrScale = 1.0, double WeightDecay = 0.0)
{
    /// <summary>Total number of scalar values in the group.</summary>
    public long Count => Parameters.Sum(p => p.Parameter.numel());
}
