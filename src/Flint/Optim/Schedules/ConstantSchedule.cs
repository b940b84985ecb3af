namespace Flint.Optim.Schedules;

/// <summary>The base learning rate at every step, optionally after a linear warmup.</summary>
/// <param name="WarmupSteps">Steps of linear warmup from near zero to the base LR.</param>
public sealed record ConstantSchedule(long WarmupSteps = 0) : ILrSchedule
{
    /// <inheritdoc />
    public double Multiplier(long step) => Warmup.Factor(step, WarmupSteps);

    /// <inheritdoc />
    public string Describe() => WarmupSteps > 0 ? $"constant after {WarmupSteps} warmup steps" : "constant";
}
