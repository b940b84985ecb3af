using Flint.Logging;
using Flint.Text.Data;
using Flint.Training;

namespace Flint.Workflow;

/// <summary>
/// Wraps a pretraining objective for evaluation: its <c>ValidationStep</c> runs unchanged (same loss, same random draws),
/// and what it was summed over is logged too, as <c>val/scored</c> (Σ count: tokens for clm and mlm) and <c>val/tokens</c>
/// (Σ tokens in the windows), so an evaluation can report how many tokens its loss covers.
/// </summary>
internal sealed class ScoredTokens : FlintModule<LmBatch>
{
    readonly FlintModule<LmBatch> objective;

    public ScoredTokens(FlintModule<LmBatch> objective) : base("evaluation")
    {
        this.objective = objective;
        RegisterComponents(); // so eval() and to(device) reach the objective
    }

    public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx) =>
        throw new InvalidOperationException($"{nameof(ScoredTokens)} only evaluates; train the objective itself.");

    public override StepOutput ValidationStep(LmBatch batch, LoopContext ctx)
    {
        var output = objective.ValidationStep(batch, ctx);
        ctx.Log.Log("val/scored", output.Count, Reduction.Sum, when: LogInterval.Epoch);
        ctx.Log.Log("val/tokens", output.Tokens, Reduction.Sum, when: LogInterval.Epoch);
        return output;
    }
}
