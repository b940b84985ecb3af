namespace Flint.Optim.Schedules;

/// <summary>The Transformer paper's schedule: linear warmup, then decay ∝ 1/√step, equal to the base LR at the end of warmup.</summary>
/// <param name="WarmupSteps">Steps of linear warmup (must be positive).</param>
public sealed record InverseSqrtSchedule(long WarmupSteps) : ILrSchedule
{
    /// <inheritdoc />
    public double Multiplier(long step)
    {
        if (WarmupSteps <= 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "Inverse-sqrt needs positive warmup steps.");
        return step < WarmupSteps ? Warmup.Factor(step, WarmupSteps) : Math.Sqrt(WarmupSteps / (double)Math.Max(step, WarmupSteps));
    }

    /// <inheritdoc />
    public string Describe() => $"warmup {WarmupSteps} then 1/sqrt(step)";
}
