using TorchSharp.Modules;
using static TorchSharp.torch;
using State = TorchSharp.Modules.AdamW.State;

namespace Flint.Optim.MultiTensor;

/// <summary>
/// Flat buffers (parameters, gradients, first and second moments, and scratch for the update's denominator, so a step
/// allocates nothing), laid out group after group, and every member
/// tensor re-pointed at its slice: a parameter through <c>set_</c>, its gradient by assignment, its moments in the
/// optimizer's state objects. Values are copied in, so building it changes nothing a user can observe.
/// </summary>
internal sealed class FlatLayout : IDisposable
{
    FlatLayout(Segment[] segments, Tensor[] buffers) => (Segments, _buffers) = (segments, buffers);

    readonly Tensor[] _buffers;

    /// <summary>One segment per parameter group, in the optimizer's order.</summary>
    public Segment[] Segments { get; }

    /// <summary>Every member's gradient, end to end (zeroed in one op).</summary>
    public Tensor Gradients => _buffers[1];

    /// <summary>Lays out the parameters of <paramref name="groups"/> that have a gradient now (the others stay outside); null when none has.</summary>
    public static FlatLayout? TryBuild(Parameter[][] groups, Func<Parameter, State> stateOf)
    {
        using var noGrad = no_grad();
        var members = groups.Select(g => g.Where(HasGradient).ToArray()).ToArray();
        long total = members.Sum(m => m.Sum(p => p.numel()));
        if (total == 0) return null;
        var like = groups.SelectMany(g => g).First();
        var buffers = Enumerable.Range(0, 5).Select(_ => empty(total, like.dtype, like.device).DetachFromDisposeScope()).ToArray();
        var (flatParams, flatGrads, flatExpAvg, flatExpAvgSq) = (buffers[0], buffers[1], buffers[2], buffers[3]);
        var segments = new Segment[groups.Length];
        long offset = 0;
        for (int g = 0; g < groups.Length; g++)
        {
            long start = offset;
            var states = new State[members[g].Length];
            for (int i = 0; i < members[g].Length; i++)
            {
                var p = members[g][i];
                long n = p.numel();
                var shape = p.shape;
                using (var view = flatParams.narrow(0, offset, n).view(shape))
                {
                    view.copy_(p);
                    p.set_(view); // p now lives in the buffer; the module, the optimizer and checkpoints see the same tensor (set_ returns p: not disposed)
                }
                using (var grad = p.grad!)
                using (var view = flatGrads.narrow(0, offset, n).view(shape))
                {
                    view.copy_(grad);
                    p.grad = view; // backward accumulates into the view in place
                }
                var state = stateOf(p);
                state.exp_avg = Move(state.exp_avg, flatExpAvg.narrow(0, offset, n).view(shape));
                state.exp_avg_sq = Move(state.exp_avg_sq, flatExpAvgSq.narrow(0, offset, n).view(shape));
                states[i] = state;
                offset += n;
            }
            long length = offset - start;
            segments[g] = new Segment(members[g], states, groups[g].Except(members[g]).ToArray(), length,
                Slice(flatParams, start, length), Slice(flatGrads, start, length), Slice(flatExpAvg, start, length), Slice(flatExpAvgSq, start, length),
                Slice(buffers[4], start, length));
        }
        return new FlatLayout(segments, buffers);
    }

    static bool HasGradient(Parameter p)
    {
        using var grad = p.grad;
        return grad is not null;
    }

    static Tensor Move(Tensor from, Tensor to)
    {
        to.copy_(from);
        from.Dispose();
        return to.DetachFromDisposeScope();
    }

    static Tensor Slice(Tensor buffer, long start, long length) => buffer.narrow(0, start, length).DetachFromDisposeScope();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in Segments) s.Dispose();
        foreach (var b in _buffers) b.Dispose(); // the wrappers only: parameters and state views keep the storage alive
    }

    /// <summary>One group's members (contiguous in every buffer), their states, the group's parameters outside, and the five slices.</summary>
    internal sealed record Segment(Parameter[] Members, State[] States, Parameter[] Outside, long Length,
        Tensor Parameters, Tensor Gradients, Tensor ExpAvg, Tensor ExpAvgSq, Tensor Scratch) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            Parameters.Dispose();
            Gradients.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            Scratch.Dispose();
        }
    }
}
