using Flint.Logging;
using Flint.Optim;
using Flint.Optim.Schedules;
using Flint.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Samples.CustomLoop;

/// <summary>
/// A hand-written loop on Flint's runtime, for research that does not fit a Trainer: you own the loop, Flint still gives
/// you device/seed setup, optimizer groups, a pure-function schedule, clipping without host syncs, and honest logging.
/// </summary>
public static class Sample
{
    public static IReadOnlyList<LogRecord> Run(int steps = 300)
    {
        var runtime = FlintRuntime.Create(new RuntimeOptions(Seed: 42));
        var model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1));
        model.to(runtime.Device);                                   // build -> (load) -> move -> optimizer
        using var optimizer = Optimizers.AdamW(ParameterGroups.WithWeightDecay(model, 0.01), lr: 1e-2,
            schedule: new WarmupCosineSchedule(WarmupSteps: 20, TotalSteps: steps));
        using var log = new MetricLog();
        var history = new List<LogRecord>();
        var w = randn(8, 1, device: runtime.Device);

        for (long step = 0; step < steps; step++)
        {
            optimizer.ApplySchedule(step);
            using (runtime.StepScope())
            {
                var x = randn(64, 8, device: runtime.Device);
                var y = x.matmul(w).tanh();
                var lossSum = (model.call(x) - y).pow(2).sum();
                (lossSum / 64).backward();
                var norm = FlintRuntime.ClipGradNorm(optimizer.Parameters, 1.0);
                optimizer.Optimizer.step();
                optimizer.Optimizer.zero_grad();
                log.LogRatio("train/mse", lossSum, tensor(64.0f, device: runtime.Device));
                log.Log("grad_norm", norm);
            }
            if ((step + 1) % 50 == 0) history.AddRange(log.Flush(new LogPosition(step + 1, 0, 0, (step + 1) * 64, 0), LogInterval.Step));
        }
        return history;
    }
}
