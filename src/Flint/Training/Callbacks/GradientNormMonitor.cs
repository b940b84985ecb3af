using Flint.Logging;
using Flint.Runtime;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Flint.Training.Callbacks;

/// <summary>
/// Logs the total gradient L2 norm (<c>grad_norm</c>, mean over the logging window) of each step whose update was applied:
/// a step a handler skipped (e.g. <see cref="NonFiniteGuard"/> on a NaN) is left out, so one poisoned step does not turn
/// the window's mean into NaN. Reuses the norm the clipper computed when clipping by norm; otherwise computes it on the
/// device. No host sync.
/// </summary>
public sealed class GradientNormMonitor : Callback
{
    Tensor? _norm; // this step's norm, measured before the optimizer step, logged once BatchEnded says it was not skipped

    /// <inheritdoc />
    public override int Order => 20;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        // Measured here because the gradients are zeroed before BatchEnded; the tensor lives in the step's dispose scope,
        // which also holds BatchEnded.
        yield return events.BeforeOptimizerStep.Subscribe((e, ctx) => _norm = e.GradNorm ?? TotalNorm(ctx), Order, name: Name);
        // Logged here, not above: only BatchEnded knows whether any handler (whatever its order) asked to skip the step.
        yield return events.BatchEnded.Subscribe((e, ctx) =>
        {
            if (_norm is { } norm && !e.Skipped) ctx.Log.Log(MetricNames.GradNorm, norm, Reduction.Mean);
            _norm = null;
        }, Order, name: Name);
    }

    static Tensor TotalNorm(LoopContext ctx)
    {
        var grads = ctx.Optimizer!.Parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.norm()).ToArray();
        return grads.Length == 0 ? zeros([]) : stack(grads).norm();
    }
}
