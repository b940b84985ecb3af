namespace Flint.Optim;

/// <summary>The LR range test's curve and suggestions.</summary>
/// <param name="LearningRates">LR at each step.</param>
/// <param name="Losses">Smoothed (bias-corrected EMA) loss at each step.</param>
/// <param name="RawLosses">The loss each step measured.</param>
/// <param name="Valley">fastai's default: a point two-thirds of the way into the longest stretch where the loss falls.</param>
/// <param name="Steepest">Where the smoothed loss falls fastest against log LR.</param>
/// <param name="Minimum">The LR of the lowest smoothed loss, divided by 10.</param>
/// <param name="StopReason">Why the sweep ended.</param>
public sealed record LrFinderResult(
    IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, IReadOnlyList<double> RawLosses,
    double Valley, double Steepest, double Minimum, string StopReason);
