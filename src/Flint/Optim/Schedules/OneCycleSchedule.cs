namespace Flint.Optim.Schedules;

/// <summary>
/// fastai's one-cycle policy: cosine from base/<paramref name="DivFactor"/> up to the base LR over the first
/// <paramref name="PctStart"/> of the steps, then cosine down to base/(<paramref name="DivFactor"/>·<paramref name="FinalDivFactor"/>);
/// momentum moves the opposite way between <paramref name="MaxMomentum"/> and <paramref name="MinMomentum"/>.
/// </summary>
/// <param name="TotalSteps">Length of the cycle in optimizer steps.</param>
/// <param name="PctStart">Fraction of the cycle spent increasing the LR (fastai: 0.25).</param>
/// <param name="DivFactor">Initial LR = base / DivFactor (fastai: 25).</param>
/// <param name="FinalDivFactor">Final LR = initial / FinalDivFactor (fastai: 1e5).</param>
/// <param name="MaxMomentum">β₁ at the start and end (fastai: 0.95).</param>
/// <param name="MinMomentum">β₁ at the LR peak (fastai: 0.85).</param>
public sealed record OneCycleSchedule(
    long TotalSteps, double PctStart = 0.25, double DivFactor = 25, double FinalDivFactor = 1e5,
    double MaxMomentum = 0.95, double MinMomentum = 0.85) : ILrSchedule
{
    long PeakStep => Math.Max(1, (long)Math.Round(TotalSteps * PctStart));

    /// <inheritdoc />
    public double Multiplier(long step)
    {
        Check();
        double start = 1 / DivFactor, end = start / FinalDivFactor;
        return step < PeakStep
            ? Cos(start, 1, step / (double)PeakStep)
            : Cos(1, end, Math.Min(1, (step - PeakStep) / (double)Math.Max(1, TotalSteps - PeakStep)));
    }

    /// <inheritdoc />
    public double? Momentum(long step) =>
        step < PeakStep
            ? Cos(MaxMomentum, MinMomentum, step / (double)PeakStep)
            : Cos(MinMomentum, MaxMomentum, Math.Min(1, (step - PeakStep) / (double)Math.Max(1, TotalSteps - PeakStep)));

    /// <inheritdoc />
    public string Describe() => $"one-cycle over {TotalSteps} steps (peak at {PctStart:P0}, div {DivFactor}, final div {FinalDivFactor:G3})";

    static double Cos(double from, double to, double pct) => to + (from - to) / 2 * (1 + Math.Cos(Math.PI * pct));

    void Check()
    {
        if (TotalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(TotalSteps), TotalSteps, "One-cycle needs a positive step count.");
        if (PctStart is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(PctStart), PctStart, "PctStart must be in (0, 1).");
        if (DivFactor <= 0 || FinalDivFactor <= 0) throw new ArgumentOutOfRangeException(nameof(DivFactor), "Division factors must be positive.");
    }
}
