using Flint.Optim.Schedules;
using TorchSharp;
using TorchSharp.Modules;

namespace Flint.Optim;

/// <summary>Factories for the optimizers Flint supports, with per-group LR scales and weight decay.</summary>
public static class Optimizers
{
    /// <summary>
    /// AdamW (decoupled weight decay). Defaults are PyTorch's except weight decay, which lives in the groups
    /// (see <see cref="ParameterGroups.WithWeightDecay"/>). By default the multi-tensor form (<see cref="MultiTensor.AdamW"/>):
    /// the same update, bit for bit, in a handful of ops per step; <paramref name="multiTensor"/> false builds TorchSharp's
    /// per-parameter AdamW (for comparisons). Both write the same checkpoint format.
    /// </summary>
    public static OptimizerSetup AdamW(
        IReadOnlyList<ParameterGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        ILrSchedule? schedule = null, bool multiTensor = true)
    {
        Check(groups, lr);
        var torchGroups = groups.Select(g => new AdamW.ParamGroup(
            g.Parameters.Select(p => p.Parameter).ToArray(), lr * g.LrScale, beta1, beta2, eps, g.WeightDecay, false, false)).ToList();
        torch.optim.Optimizer optimizer = multiTensor ? new MultiTensor.AdamW(torchGroups, lr, beta1, beta2, eps) : torch.optim.AdamW(torchGroups, lr, beta1, beta2, eps);
        return new OptimizerSetup(optimizer, groups, lr, schedule ?? new ConstantSchedule());
    }

    /// <summary>SGD with momentum; weight decay comes from the groups (coupled, as PyTorch's SGD does it).</summary>
    public static OptimizerSetup Sgd(
        IReadOnlyList<ParameterGroup> groups, double lr = 1e-2, double momentum = 0.9, bool nesterov = false, ILrSchedule? schedule = null)
    {
        Check(groups, lr);
        var torchGroups = groups.Select(g => new SGD.ParamGroup(
            g.Parameters.Select(p => p.Parameter), lr * g.LrScale, momentum, 0.0, g.WeightDecay, nesterov, false)).ToList();
        return new OptimizerSetup(torch.optim.SGD(torchGroups, lr, momentum, nesterov: nesterov), groups, lr, schedule ?? new ConstantSchedule());
    }

    static void Check(IReadOnlyList<ParameterGroup> groups, double lr)
    {
        if (!(lr > 0) || double.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "The learning rate must be a positive finite number.");
        if (groups.Count == 0) throw new ArgumentException("No parameter groups were given.", nameof(groups));
        foreach (var g in groups)
            if (g.Parameters.Count == 0) throw new ArgumentException($"Parameter group '{g.Name}' is empty.", nameof(groups));
    }
}
