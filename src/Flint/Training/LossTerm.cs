using static TorchSharp.torch;

namespace Flint.Training;

/// <summary>
/// One named part of a step's loss: <paramref name="Sum"/> summed over <paramref name="Count"/> items, weighted by
/// <paramref name="Weight"/> in the optimised objective Σₖ weightₖ · Σsumₖ / Σcountₖ (see <see cref="StepOutput.Combine"/>).
/// </summary>
/// <param name="Name">Logged as <c>train/NAME</c>, <c>val/NAME</c>: letters, digits and <c>_</c>, no <c>/</c>, not <c>loss</c>.</param>
/// <param name="Sum">The summed loss (a scalar tensor with a gradient, during training).</param>
/// <param name="Count">What it is summed over (a scalar tensor).</param>
/// <param name="Weight">Its weight in the objective.</param>
public readonly record struct LossTerm(string Name, Tensor Sum, Tensor Count, double Weight = 1.0)
{
    /// <summary>A term summed over <paramref name="count"/> items known on the host (e.g. the batch size).</summary>
    public LossTerm(string name, Tensor sum, long count, double weight = 1.0)
        : this(name, sum, tensor((double)count, dtype: sum.dtype, device: sum.device), weight)
    {
    }
}
