namespace Flint.Optim.Schedules;

/// <summary>Linear warmup, then linear decay to <paramref name="MinRatio"/> × base LR at <paramref name="TotalSteps"/> (BERT's schedule).</summary>
/// <param name="WarmupSteps">Steps of linear warmup.</param>
/// <param name="TotalSteps">The step at which the decay reaches its floor.</param>
/// <param name="MinRatio">The floor as a fraction of the base LR.</param>
public sealed record WarmupLinearSchedule(long WarmupSteps, long TotalSteps, double MinRatio = 0.0) : ILrSchedule
{
    /// <inheritdoc />
    public double Multiplier(long step)
    {
        Warmup.Validate(WarmupSteps, TotalSteps);
        if (step < WarmupSteps) return Warmup.Factor(step, WarmupSteps);
        double progress = Math.Min(1.0, (step - WarmupSteps) / (double)Math.Max(1, TotalSteps - WarmupSteps));
        return 1 - (1 - MinRatio) * progress;
    }

    /// <inheritdoc />
    public string Describe() => $"warmup {WarmupSteps} then linear to {MinRatio:0.###}x at step {TotalSteps}";
}
