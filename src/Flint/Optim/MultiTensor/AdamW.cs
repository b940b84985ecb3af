using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Optim.MultiTensor;

/// <summary>
/// AdamW as a handful of large ops per step (PyTorch's multi-tensor idea, which TorchSharp lacks). At the first step the
/// parameters, their gradients and both moments move into flat buffers, each tensor becoming a view, so a parameter
/// group's update is ten ops over one contiguous segment instead of nine per tensor: at ~5 µs of interop per op that is
/// milliseconds per step for models with a hundred tensors. The ops are TorchSharp's AdamW's, in its order, so the update is
/// bit-for-bit the same. The class is named <c>AdamW</c> and keeps TorchSharp's per-parameter state objects (their moments
/// are views), so checkpoints are written and read in TorchSharp's AdamW format, unchanged.
/// </summary>
/// <remarks>
/// Parameters without a gradient at the first step (unused heads, frozen layers) stay outside the buffers and take the
/// per-parameter path whenever they have one (gradual unfreezing), as does a group whose step counts differ. Gradients
/// are views that <see cref="zero_grad"/> zeroes in place: code that replaces a parameter's <c>grad</c> tensor after the
/// first step is not supported, nor is moving the module to another device after building the optimizer (as with any
/// optimizer, which holds the parameters it was given).
/// </remarks>
public sealed class AdamW : TorchSharp.Modules.AdamW
{
    readonly Parameter[][] _groups;
    FlatLayout? _layout;
    bool _flattenable;

    /// <summary>Creates the optimizer over <paramref name="groups"/> (each with its own LR, betas, eps and weight decay).</summary>
    public AdamW(IReadOnlyList<ParamGroup> groups, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base(groups, lr, beta1, beta2, eps)
    {
        _groups = _parameter_groups.Select(g => g.Parameters.ToArray()).ToArray();
        var all = _groups.SelectMany(g => g).ToList();
        // One buffer per role needs one dtype and device, and a tensor listed twice cannot be two views.
        _flattenable = all.Count > 0 && all.DistinctBy(p => p.Handle).Count() == all.Count
            && all.All(p => p.dtype == all[0].dtype && p.device_type == all[0].device_type && p.device_index == all[0].device_index && p.is_floating_point());
    }

    /// <summary>True once the parameters live in the flat buffers (after the first step).</summary>
    public bool IsFlat => _layout is not null;

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null)
    {
        Tensor? loss = null;
        if (closure is not null)
            using (enable_grad()) loss = closure();
        using var noGrad = no_grad();
        if (_layout is null && _flattenable) _layout = FlatLayout.TryBuild(_groups, p => (State)_state[p.Handle]);
        using var scope = NewDisposeScope();
        for (int g = 0; g < _groups.Length; g++)
        {
            var o = (Options)_parameter_groups[g].Options;
            if (o.amsgrad == true || o.maximize == true)
                throw new NotSupportedException("Flint's multi-tensor AdamW has no AMSGrad or maximize mode; build TorchSharp's AdamW for those.");
            var h = new Hyper(o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value, o.weight_decay!.Value);
            var segment = _layout?.Segments[g];
            if (segment is { Length: > 0 } s && UniformSteps(s.States))
            {
                long step = s.States[0].step + 1;
                foreach (var state in s.States) state.step = step;
                Update(s.Parameters, s.Gradients, s.ExpAvg, s.ExpAvgSq, step, h, s.Scratch);
            }
            else if (segment is { Length: > 0 } uneven)
                for (int i = 0; i < uneven.States.Length; i++) UpdateOne(uneven.Members[i], uneven.States[i], h);
            foreach (var p in segment?.Outside ?? _groups[g]) UpdateOne(p, (State)_state[p.Handle], h);
        }
        return loss!;
    }

    /// <inheritdoc />
    public override void zero_grad()
    {
        if (_layout is null)
        {
            base.zero_grad();
            return;
        }
        _layout.Gradients.zero_();
        foreach (var p in _layout.Segments.SelectMany(s => s.Outside))
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    static bool UniformSteps(State[] states)
    {
        foreach (var s in states) if (s.step != states[0].step) return false;
        return true;
    }

    /// <summary>One parameter outside the buffers, skipped without a gradient (TorchSharp's rule).</summary>
    static void UpdateOne(Parameter p, State state, Hyper h)
    {
        using var grad = p.grad;
        if (grad is null) return;
        state.step += 1;
        Update(p, grad, state.exp_avg, state.exp_avg_sq, state.step, h);
    }

    /// <summary>
    /// TorchSharp's AdamW update, op for op, on one tensor or on a flat segment of many. With <paramref name="scratch"/> the
    /// denominator is computed there in place (the same ops on the same values, so the same bits) instead of in two new tensors.
    /// </summary>
    static void Update(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, long step, Hyper h, Tensor? scratch = null)
    {
        param.mul_(1 - h.Lr * h.WeightDecay);
        double biasCorrection1 = 1 - Math.Pow(h.Beta1, step), biasCorrection2 = 1 - Math.Pow(h.Beta2, step);
        expAvg.mul_(h.Beta1).add_(grad, alpha: 1 - h.Beta1);
        expAvgSq.mul_(h.Beta2).addcmul_(grad, grad, value: 1 - h.Beta2);
        var denom = scratch is null
            ? (expAvgSq.sqrt() / Math.Sqrt(biasCorrection2)).add_(h.Eps)
            : scratch.copy_(expAvgSq).sqrt_().div_(Math.Sqrt(biasCorrection2)).add_(h.Eps);
        param.addcdiv_(expAvg, denom, value: -(h.Lr / biasCorrection1));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing); // disposes the states' moment views
        if (disposing) _layout?.Dispose();
    }

    readonly record struct Hyper(double Lr, double Beta1, double Beta2, double Eps, double WeightDecay);
}
