using Flint.Config;
using Flint.Training;

namespace Flint.Workflow.Specs;

/// <summary><c>optimizer.*</c>: AdamW with warmup and cosine decay.</summary>
public sealed record OptimizerSpec
{
    /// <summary>Peak learning rate (null: the command picks).</summary>
    [Setting("Peak learning rate (default depends on the command).", Above = 0)] public double? Lr { get; init; }
    /// <summary>AdamW weight decay on weight matrices.</summary>
    [Setting("AdamW weight decay on weight matrices (never biases, norms, embeddings).", Min = 0)] public double WeightDecay { get; init; } = 0.1;
    /// <summary>Fraction of steps spent warming up.</summary>
    [Setting("Fraction of steps spent warming up.", Min = 0, Max = 1)] public double Warmup { get; init; } = 0.05;
    /// <summary>Cosine decay floor.</summary>
    [Setting("Cosine decay floor as a fraction of the peak LR.", Min = 0, Max = 1)] public double MinLrRatio { get; init; } = 0.1;
    /// <summary>Adam's β₂.</summary>
    [Setting("Adam's beta2.", Min = 0, Below = 1)] public double Beta2 { get; init; } = 0.99;

    /// <summary>The module's optimizer settings, with <paramref name="defaultLr"/> when no LR was given.</summary>
    public OptimizerDefaults ToDefaults(double defaultLr) => new(LearningRate: Lr ?? defaultLr, WeightDecay: WeightDecay, WarmupFraction: Warmup, MinLrRatio: MinLrRatio, Beta2: Beta2);
}
