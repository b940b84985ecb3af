namespace Flint.Optim.Schedules;

/// <summary>Linear warmup, then cosine decay to <paramref name="MinRatio"/> × base LR at <paramref name="TotalSteps"/> (held after).</summary>
/// <param name="WarmupSteps">Steps of linear warmup.</param>
/// <param name="TotalSteps">The step at which the decay reaches its floor; usually the run's step budget.</param>
/// <param name="MinRatio">The floor as a fraction of the base LR (nanoGPT uses 0.1).</param>
public sealed record WarmupCosineSchedule(long WarmupSteps, long TotalSteps, double MinRatio = 0.1) : ILrSchedule
{
    /// <inheritdoc />
    public double Multiplier(long step)
    {
        Warmup.Validate(WarmupSteps, TotalSteps);
        if (step < WarmupSteps) return Warmup.Factor(step, WarmupSteps);
        double progress = Math.Min(1.0, (step - WarmupSteps) / (double)Math.Max(1, TotalSteps - WarmupSteps));
        return MinRatio + (1 - MinRatio) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <inheritdoc />
    public string Describe() => $"warmup {WarmupSteps} then cosine to {MinRatio:0.###}x at step {TotalSteps}";
}
