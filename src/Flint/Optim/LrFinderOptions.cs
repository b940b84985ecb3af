using Flint.Config;

namespace Flint.Optim;

/// <summary>Settings of the LR range test (Smith 2015, as in fastai's <c>lr_find</c>).</summary>
/// <param name="StartLr">The first learning rate tried.</param>
/// <param name="EndLr">The last learning rate tried.</param>
/// <param name="Steps">Optimizer steps in the sweep (data is cycled if shorter).</param>
/// <param name="Smoothing">β of the exponential moving average of the loss.</param>
/// <param name="DivergeFactor">Stop once the smoothed loss exceeds this multiple of the best one.</param>
public sealed record LrFinderOptions(double StartLr = 1e-7, double EndLr = 10, int Steps = 100, double Smoothing = 0.98, double DivergeFactor = 4)
{
    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("lr-find")
        .Positive(StartLr, nameof(StartLr))
        .Check(!(EndLr > StartLr), nameof(EndLr), $"must be larger than StartLr ({StartLr}), got {EndLr}.")
        .Check(Steps < 5, nameof(Steps), $"must be at least 5, got {Steps}.")
        .Check(Smoothing is < 0 or >= 1, nameof(Smoothing), $"must be in [0, 1), got {Smoothing}.")
        .Check(!(DivergeFactor > 1), nameof(DivergeFactor), $"must be above 1, got {DivergeFactor}.")
        .ThrowIfInvalid();
}
