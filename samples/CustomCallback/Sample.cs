using Flint.Models;
using Flint.Objectives;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Samples.CustomCallback;

/// <summary>Trains a nano GPT on a tiny repeating dataset until the loss plateaus.</summary>
public static class Sample
{
    public static FitResult Run(bool progress = true)
    {
        manual_seed(0);
        var x = (randint(0, 60, [8, 1]) + arange(33).unsqueeze(0)) % 60 + 4;
        var data = new List<LmBatch> { new(x[.., ..^1].contiguous(), x[.., 1..].contiguous()) };
        var objective = new CausalLmObjective(new Gpt(GptConfig.Nano(64))) { Optimization = new OptimizerDefaults(LearningRate: 1e-2) };
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 3000, LogEveryNSteps = 20, ProgressBar = progress }, [new LossPlateauStopper()]);
        return trainer.Fit(objective, data);
    }
}
