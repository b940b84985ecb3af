namespace Flint.Training;

/// <summary>What the default <c>ConfigureOptimizers</c> builds: AdamW with decay on matrices only, linear warmup, cosine decay.</summary>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WeightDecay">Decoupled weight decay (weight matrices only).</param>
/// <param name="WarmupFraction">Fraction of the step budget spent warming up.</param>
/// <param name="MinLrRatio">The cosine's floor as a fraction of the peak.</param>
/// <param name="Beta2">Adam's β₂ (0.99 suits small batches, as nanoGPT's char config uses).</param>
public sealed record OptimizerDefaults(double LearningRate = 1e-3, double WeightDecay = 0.01, double WarmupFraction = 0.05, double MinLrRatio = 0.1, double Beta2 = 0.999);
