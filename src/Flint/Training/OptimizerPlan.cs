namespace Flint.Training;

/// <summary>What <c>ConfigureOptimizers</c> knows about the run, so schedules can be sized to it.</summary>
/// <param name="TotalSteps">The optimizer-step budget when it is known (MaxSteps, or epochs × batches when the data has a count).</param>
/// <param name="AccumulateGradBatches">Micro-batches per optimizer step.</param>
public sealed record OptimizerPlan(long? TotalSteps, int AccumulateGradBatches);
