using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using Flint.Training.Callbacks;
using static TorchSharp.torch;

namespace Samples.CustomObjective;

/// <summary>Trains a nano GPT with the custom objective on counting sequences; returns the fit result.</summary>
public static class Sample
{
    public static FitResult Run(int steps = 150, bool progress = true)
    {
        manual_seed(0);
        var data = Enumerable.Range(0, 8).Select(i =>
        {
            var x = (randint(0, 60, [16, 1]) + arange(33).unsqueeze(0)) % 60 + 4;
            return new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous());
        }).ToList();
        var objective = new TokenCorruptionObjective(new Gpt(GptConfig.Nano(64))) { Optimization = new OptimizerDefaults(LearningRate: 3e-3) };
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = steps, LogEveryNSteps = 25, ProgressBar = progress }, [new LearningRateMonitor(every: 25)]);
        return trainer.Fit(objective, data);
    }
}
