using Flint.Optim.Schedules;
using TorchSharp;
using TorchSharp.Modules;

namespace Flint.Optim;

/// <summary>
/// What a module's <c>ConfigureOptimizers</c> returns: one optimizer, its parameter groups and an LR schedule.
/// The Trainer calls <see cref="ApplySchedule"/> before every optimizer step; a hand-written loop can too.
/// </summary>
public sealed class OptimizerSetup : IDisposable
{
    readonly torch.optim.ILearningRateController[] _groups;
    readonly double[] _baseLrs;

    internal OptimizerSetup(torch.optim.Optimizer optimizer, IReadOnlyList<ParameterGroup> groups, double baseLr, ILrSchedule schedule)
    {
        Optimizer = optimizer;
        Groups = groups;
        Schedule = schedule;
        BaseLearningRate = baseLr;
        _groups = optimizer.ParamGroups.ToArray();
        _baseLrs = groups.Select(g => baseLr * g.LrScale).ToArray();
        Parameters = groups.SelectMany(g => g.Parameters.Select(p => p.Parameter)).ToArray();
        ApplySchedule(0);
    }

    /// <summary>The TorchSharp optimizer.</summary>
    public torch.optim.Optimizer Optimizer { get; }

    /// <summary>The parameter groups, in the optimizer's order.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Every optimized parameter (for clipping and norms).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The schedule.</summary>
    public ILrSchedule Schedule { get; }

    /// <summary>The LR before group scales and the schedule.</summary>
    public double BaseLearningRate { get; }

    /// <summary>Sets each group's LR (and momentum, for cycling schedules) for optimizer step <paramref name="step"/>. Host-only: no tensor work.</summary>
    public void ApplySchedule(long step) => ApplyMultiplier(Schedule.Multiplier(step), Schedule.Momentum(step));

    /// <summary>Sets each group's LR to base × group scale × <paramref name="multiplier"/> (used by the LR finder's sweep).</summary>
    public void ApplyMultiplier(double multiplier, double? momentum = null)
    {
        for (int i = 0; i < _groups.Length; i++)
        {
            _groups[i].LearningRate = _baseLrs[i] * multiplier;
            if (momentum is { } m) SetMomentum((ParamGroup)_groups[i], m);
        }
    }

    /// <summary>The current learning rate of group <paramref name="group"/>.</summary>
    public double LearningRate(int group = 0) => _groups[group].LearningRate;

    static void SetMomentum(ParamGroup group, double momentum)
    {
        switch (group.Options)
        {
            case AdamW.Options adamw: adamw.beta1 = momentum; break;
            case Adam.Options adam: adam.beta1 = momentum; break;
            case SGD.Options sgd: sgd.momentum = momentum; break;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Optimizer.Dispose();
}
