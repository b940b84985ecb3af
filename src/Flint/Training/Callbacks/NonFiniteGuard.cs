using Flint.Logging;
using Flint.Training.Events;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Training.Callbacks;

/// <summary>
/// Checks the loss and every gradient for NaN/Inf before each optimizer step. This is the one built-in handler that reads
/// a value back every step (a single boolean): it is what buys step-exact detection. The Trainer itself also catches a
/// non-finite loss at each log flush, so without this guard a NaN is still never silent.
/// </summary>
/// <param name="skipStep">False: stop training with a message naming the step and the first non-finite parameter or
/// gradient. True: skip that step's update (gradients are dropped), log <c>nonfinite/skipped_steps</c>, and go on.</param>
public sealed class NonFiniteGuard(bool skipStep = false) : Callback
{
    Dictionary<IntPtr, string>? _names; // by native handle: Tensor's == is element-wise, so never key on the object

    /// <summary>Steps skipped so far.</summary>
    public int SkippedSteps { get; private set; }

    /// <inheritdoc />
    public override int Order => -10; // before monitors, so they never log a poisoned value as if it were fine

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.FitStarted.Subscribe((_, ctx) =>
            _names = ctx.Module!.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name), Order, name: Name);
        yield return events.BeforeOptimizerStep.Subscribe(Check, Order, name: Name);
    }

    void Check(BeforeOptimizerStep e, LoopContext ctx)
    {
        var parameters = ctx.Optimizer!.Parameters;
        var grads = parameters.Where(p => p.grad is not null).Select(p => p.grad!.isfinite().all()).ToList();
        var allFinite = stack([e.Loss.isfinite().all(), .. grads]).all();
        if (allFinite.item<bool>()) return;

        var culprit = FirstNonFinite(parameters);
        if (skipStep)
        {
            SkippedSteps++;
            ctx.Control.RequestSkipStep();
            ctx.Log.Log("nonfinite/skipped_steps", SkippedSteps, Reduction.Last);
            return;
        }
        ctx.Control.RequestSkipStep(); // never apply a poisoned update, even on the way out
        ctx.Control.RequestStop($"non-finite values at step {e.Step + 1}: {culprit}. Lower the learning rate or clip gradients.");
    }

    string FirstNonFinite(IReadOnlyList<Parameter> parameters)
    {
        foreach (var p in parameters)
        {
            var name = _names is not null && _names.TryGetValue(p.Handle, out var n) ? n : "(unnamed)";
            if (!p.isfinite().all().item<bool>()) return $"parameter '{name}' is not finite";
            if (p.grad is { } g && !g.isfinite().all().item<bool>()) return $"the gradient of '{name}' is not finite";
        }
        return "the loss is not finite (gradients are finite)";
    }
}
