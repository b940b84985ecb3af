using Flint.Logging;
using Flint.Runtime;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Flint.Training.Callbacks;

/// <summary>
/// Logs the total gradient L2 norm (<c>grad_norm</c>, mean over the logging window) before the optimizer step. Reuses the
/// norm the clipper computed when clipping by norm; otherwise computes it on the device. No host sync.
/// </summary>
public sealed class GradientNormMonitor : Callback
{
    /// <inheritdoc />
    public override int Order => 20;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.BeforeOptimizerStep.Subscribe((e, ctx) =>
        {
            var norm = e.GradNorm ?? TotalNorm(ctx);
            ctx.Log.Log("grad_norm", norm, Reduction.Mean);
        }, Order, name: Name);
    }

    static Tensor TotalNorm(LoopContext ctx)
    {
        var grads = ctx.Optimizer!.Parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.norm()).ToArray();
        return grads.Length == 0 ? zeros([]) : stack(grads).norm();
    }
}
