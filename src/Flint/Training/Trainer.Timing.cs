using System.Diagnostics;
using Flint.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// Seconds one optimizer step of <paramref name="module"/> takes with these options: the best of a few timed
    /// forward/backward passes on the first batch of <paramref name="data"/> (after one warm-up), times the accumulation,
    /// plus 15% for the optimizer and logging. Runs under its own random generator and leaves no gradients behind, so
    /// a fit that follows is the same as one that did not measure. Used to turn a time budget into a step budget (a
    /// schedule needs the step count up front).
    /// </summary>
    public double EstimateStepSeconds<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> data, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        var runtime = FlintRuntime.Create(Options.Runtime, reseed: false);
        module.to(runtime.Device);
        module.train();
        using var rng = RngFork.Begin(Options.Runtime.Seed);
        using var scope = NewDisposeScope();
        var first = data is IEpochSource<TBatch> source ? source.Batches(0).First() : data.First();
        var batch = module.TransferToDevice(first, runtime.Device);
        var ctx = new LoopContext(new TrainerState(), new TrainerControl(), new Logging.MetricLog(), runtime.Device) { Module = module };
        double best = double.MaxValue;
        for (int i = 0; i <= repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var output = module.TrainingStep(batch, ctx);
                (output.LossSum / output.Count).backward();
            }
            if (i > 0) best = Math.Min(best, watch.Elapsed.TotalSeconds); // the first pass warms up allocators and kernels
        }
        module.zero_grad();
        return best * Options.AccumulateGradBatches * 1.15;
    }
}
