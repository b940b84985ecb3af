using System.Diagnostics;
using static TorchSharp.torch;

namespace Flint.Runtime.Distributed;

/// <summary>What <c>flint doctor</c> measures under <c>mpirun</c>: that a sum over the ranks is right, and how long a 4 MB one takes.</summary>
/// <param name="Rank">This process's rank.</param>
/// <param name="WorldSize">Ranks in the job.</param>
/// <param name="SumCorrect">Whether Σ over ranks of (rank + 1) came out as N(N+1)/2 in every element.</param>
/// <param name="AllReduceMilliseconds">Median time of an all-reduce of 4 MB of float32.</param>
public sealed record MpiProbe(int Rank, int WorldSize, bool SumCorrect, double AllReduceMilliseconds)
{
    /// <summary>Runs the probe on every rank (a collective: all ranks must call it).</summary>
    public static MpiProbe Run(IDistributedContext context)
    {
        using var scope = NewDisposeScope();
        var values = full([1 << 20], context.Rank + 1.0f);
        context.AllReduceSum([values]);
        float expected = context.WorldSize * (context.WorldSize + 1) / 2f;
        bool correct = values.eq(expected).all().item<bool>();
        var times = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            context.Barrier();
            var watch = Stopwatch.StartNew();
            context.AllReduceSum([values]);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return new MpiProbe(context.Rank, context.WorldSize, correct, times[times.Count / 2]);
    }
}
