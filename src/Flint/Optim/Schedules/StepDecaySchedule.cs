namespace Flint.Optim.Schedules;

/// <summary>Multiply the LR by <paramref name="Gamma"/> every <paramref name="StepSize"/> optimizer steps (PyTorch's StepLR).</summary>
/// <param name="StepSize">Steps between decays.</param>
/// <param name="Gamma">Decay factor per period.</param>
public sealed record StepDecaySchedule(long StepSize, double Gamma = 0.1) : ILrSchedule
{
    /// <inheritdoc />
    public double Multiplier(long step)
    {
        if (StepSize <= 0) throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "StepSize must be positive.");
        return Math.Pow(Gamma, step / StepSize);
    }

    /// <inheritdoc />
    public string Describe() => $"x{Gamma} every {StepSize} steps";
}
