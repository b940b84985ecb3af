using Flint.Training;
using Flint.Training.Callbacks;

namespace MyIdea;

/// <summary>The training entry point, shared by <c>dotnet run</c> (Program.cs) and the tests.</summary>
public static class Experiment
{
    public static FitResult Run(int maxEpochs = 20, double targetAccuracy = 0.95, bool progress = true)
    {
        var train = ToySentences.Batches(batches: 16, batchSize: 32, length: 20, seed: 1);
        var validation = ToySentences.Batches(batches: 4, batchSize: 32, length: 20, seed: 2);
        using var trainer = new Trainer(
            new TrainerOptions { MaxEpochs = maxEpochs, GradientClipNorm = 1.0, LogEveryNSteps = 16, ProgressBar = progress },
            [new StopAtAccuracy(targetAccuracy), new LearningRateMonitor()]);
        return trainer.Fit(new MyIdeaModule(ToySentences.Vocabulary), train, validation);
    }
}
