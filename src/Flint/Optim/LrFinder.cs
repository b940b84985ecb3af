using Flint.Runtime;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Optim;

/// <summary>
/// The LR range test: train for a few steps while the LR grows exponentially, record the loss, suggest an LR, and put the
/// model (and the RNG) back as they were. Reads the loss every step (that is the measurement), so it is not for timing.
/// </summary>
public static class LrFinder
{
    /// <summary>Sweeps the module's own optimizer (from <c>ConfigureOptimizers</c>) over <paramref name="data"/>.</summary>
    public static LrFinderResult Run<TBatch>(FlintModule<TBatch> module, IEnumerable<TBatch> data, LrFinderOptions? options = null, RuntimeOptions? runtimeOptions = null)
    {
        options ??= new LrFinderOptions();
        options.Validate();
        var runtime = FlintRuntime.Create(runtimeOptions, reseed: false);
        module.to(runtime.Device);
        Dictionary<string, Tensor> snapshot;
        using (NewDisposeScope())
            snapshot = module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
        var rng = torch.random.get_rng_state();
        var lrs = new List<double>();
        var smoothed = new List<double>();
        var raw = new List<double>();
        string reason = $"completed {options.Steps} steps";
        try
        {
            using var setup = module.ConfigureOptimizers(new OptimizerPlan(options.Steps, 1));
            var ctx = new LoopContext(new TrainerState(), new TrainerControl(), new Logging.MetricLog(), runtime.Device) { Optimizer = setup, Module = module };
            module.train();
            double average = 0, best = double.PositiveInfinity;
            using var batches = Cycle(data).GetEnumerator();
            for (int i = 0; i < options.Steps; i++)
            {
                double lr = options.StartLr * Math.Pow(options.EndLr / options.StartLr, i / (double)(options.Steps - 1));
                setup.ApplyMultiplier(lr / setup.BaseLearningRate);
                double loss;
                using (NewDisposeScope())
                {
                    batches.MoveNext();
                    var output = module.TrainingStep(module.TransferToDevice(batches.Current, runtime.Device), ctx);
                    var mean = output.LossSum / output.Count;
                    mean.backward();
                    setup.Optimizer.step();
                    setup.Optimizer.zero_grad();
                    loss = mean.item<float>();
                }
                ctx.State.Step++;
                average = options.Smoothing * average + (1 - options.Smoothing) * loss;
                double debiased = average / (1 - Math.Pow(options.Smoothing, i + 1));
                if (!double.IsFinite(loss)) { reason = $"loss became non-finite at LR {lr:G3}"; break; }
                lrs.Add(lr);
                raw.Add(loss);
                smoothed.Add(debiased);
                best = Math.Min(best, debiased);
                if (i > 0 && debiased > options.DivergeFactor * best) { reason = $"loss diverged at LR {lr:G3}"; break; }
            }
        }
        finally
        {
            using (no_grad())
            using (NewDisposeScope())
            {
                var current = module.state_dict();
                foreach (var (name, saved) in snapshot)
                {
                    current[name].copy_(saved);
                    saved.Dispose();
                }
            }
            torch.random.set_rng_state(rng);
        }
        if (lrs.Count < 3) throw new InvalidOperationException($"The LR sweep ended after {lrs.Count} steps ({reason}); start from a smaller StartLr.");
        return new LrFinderResult(lrs, smoothed, raw, Valley(lrs, smoothed), Steepest(lrs, smoothed), lrs[IndexOfMin(smoothed)] / 10, reason);
    }

    static IEnumerable<T> Cycle<T>(IEnumerable<T> data)
    {
        while (true)
        {
            bool any = false;
            foreach (var item in data)
            {
                any = true;
                yield return item;
            }
            if (!any) throw new InvalidOperationException("The LR finder's data yielded no batches.");
        }
    }

    /// <summary>Longest run of decreasing loss (a longest-decreasing-subsequence over the curve), then two-thirds into it.</summary>
    internal static double Valley(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int n = losses.Count, bestEnd = 0;
        var length = new int[n];
        for (int i = 0; i < n; i++)
        {
            length[i] = 1;
            for (int j = 0; j < i; j++)
                if (losses[i] < losses[j] && length[j] + 1 > length[i]) length[i] = length[j] + 1;
            if (length[i] > length[bestEnd]) bestEnd = i;
        }
        int start = bestEnd - length[bestEnd] + 1;
        double third = (bestEnd - start) / 3.0;
        int index = Math.Clamp(start + (int)(2 * third), 0, n - 1);
        return lrs[index];
    }

    /// <summary>The LR where d(loss)/d(log lr) is most negative (central differences), ignoring the diverging tail.</summary>
    internal static double Steepest(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int last = IndexOfMin(losses);
        int bestIndex = 0;
        double bestSlope = double.PositiveInfinity;
        for (int i = 1; i < Math.Max(2, last); i++)
        {
            int a = i - 1, b = Math.Min(i + 1, losses.Count - 1);
            double slope = (losses[b] - losses[a]) / (Math.Log(lrs[b]) - Math.Log(lrs[a]));
            if (slope < bestSlope) { bestSlope = slope; bestIndex = i; }
        }
        return lrs[bestIndex];
    }

    static int IndexOfMin(IReadOnlyList<double> values)
    {
        int index = 0;
        for (int i = 1; i < values.Count; i++) if (values[i] < values[index]) index = i;
        return index;
    }
}
