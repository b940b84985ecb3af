namespace Flint.Optim.Schedules;

/// <summary>Linear warmup shared by the schedules: step 0 gets 1/(W+1) of the LR, step W-1 gets W/(W+1)... then 1.</summary>
internal static class Warmup
{
    // (step + 1) rather than step, so the very first update is not wasted at LR 0 (as in HF's get_linear_schedule_with_warmup
    // the first step's LR would be 0).
    public static double Factor(long step, long warmupSteps) =>
        warmupSteps > 0 && step < warmupSteps ? (step + 1) / (double)(warmupSteps + 1) : 1.0;

    public static void Validate(long warmupSteps, long totalSteps)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "Warmup steps must be 0 or more.");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be positive.");
        if (warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"Warmup steps ({warmupSteps}) exceed total steps ({totalSteps}).");
    }
}
