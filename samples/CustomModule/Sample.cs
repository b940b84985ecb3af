using Flint.Logging;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;

namespace Samples.CustomModule;

/// <summary>The README's example: a custom module trained by the Trainer with callbacks and a handler of your own.</summary>
public static class Sample
{
    public static FitResult Run(int maxEpochs = 30, string? csvPath = null, bool progress = true)
    {
        var train = Spirals.Batches(batches: 20, batchSize: 64, seed: 1);
        var validation = Spirals.Batches(batches: 4, batchSize: 64, seed: 2);
        var options = new TrainerOptions { MaxEpochs = maxEpochs, GradientClipNorm = 1.0, LogEveryNSteps = 20, ProgressBar = progress };
        var callbacks = new Callback[] { new EarlyStopping("val/loss", patience: 5), new LearningRateMonitor(), new GradientNormMonitor() };
        var sinks = csvPath is null ? Array.Empty<ILogSink>() : [new CsvSink(csvPath)];

        using var trainer = new Trainer(options, callbacks, sinks);
        trainer.Events.ValidationEnded.Subscribe((e, ctx) =>
        {
            if (!e.IsSanityCheck && e.Metrics["val/accuracy"] > 0.99) ctx.Control.RequestStop("99% validation accuracy");
        }, filter: EventFilter.Every(1), name: "stop at 99%");
        return trainer.Fit(new SpiralClassifier(), train, validation);
    }
}
