using Flint.Finetuning;
using Flint.Logging;
using Flint.Models;
using Flint.Reports;
using Flint.Training;
using Flint.Workflow;
using Flint.Workflow.Specs;
using static TorchSharp.torch;

namespace Samples.NewObjective;

/// <summary>What the sample made: both runs' folders and results, and the report.</summary>
public sealed record SampleResult(string PretrainRun, FitResult Pretrain, string FinetuneRun, FitResult Finetune, string Report);

/// <summary>
/// A new self-supervised idea end to end: pretrain a nano GPT with shuffled-span detection + next-token prediction as a
/// tracked run (it appears in <c>flint runs</c>, reports and the dashboard), fine-tune its body as a classifier in a second
/// run that names the first as its parent, and write a report of both.
/// </summary>
public static class Sample
{
    /// <summary>Runs the sample under <paramref name="runs"/> (a runs root).</summary>
    public static SampleResult Run(string runs, long steps = 150, bool progress = true)
    {
        var settings = new ShuffledSpanSettings
        {
            Out = Path.Combine(runs, "shuffled-span"), Seed = 0,
            Trainer = new TrainerSpec { MaxSteps = steps, Accumulate = 2, LogEvery = 10, ValEvery = Math.Max(1, steps / 3), Progress = progress },
        };
        manual_seed(settings.Seed);
        var objective = new ShuffledSpanObjective(new Gpt(GptConfig.Nano(SpanData.Vocabulary)), settings.DetectWeight)
        {
            Optimization = new OptimizerDefaults(LearningRate: 1e-2),
        };
        var train = SpanData.Shuffled(32, settings.BatchSize / settings.Trainer.Accumulate, settings.Context, settings.SpanLength, settings.ShuffleProbability, seed: 1);
        var validation = SpanData.Shuffled(4, settings.BatchSize, settings.Context, settings.SpanLength, settings.ShuffleProbability, seed: 2);
        FitResult pretrain;
        using (var run = ExperimentRun.Open(settings))
        using (var trainer = run.CreateTrainer([new DetectionAccuracy()]))
            pretrain = run.Fit(trainer, objective, train, validation);

        // Fine-tune the pretrained body: which stride does a window count by? Another tracked run, child of the first.
        var finetune = settings with
        {
            Out = Path.Combine(runs, "stride-classifier"),
            Trainer = settings.Trainer with { MaxSteps = Math.Max(10, steps / 2), Accumulate = 1, ValEvery = null },
        };
        var classifier = new SequenceClassifier(objective.Encoder, new ClassifierOptions(2, Pooling.Mean, Dropout: 0, LearningRate: 5e-3));
        FitResult finetuned;
        using (var run = ExperimentRun.Open(finetune))
        using (var trainer = run.CreateTrainer(monitor: MetricNames.ValAccuracy, mode: MonitorMode.Max))
            finetuned = run.Fit(trainer, classifier, SpanData.Strides(16, 16, settings.Context, seed: 3), SpanData.Strides(4, 16, settings.Context, seed: 4), parent: settings.Out);

        var report = Path.Combine(runs, "report.md");
        ReportBuilder.Write(new ReportRequest("Shuffled-span detection", [settings.Out!, finetune.Out!]), report);
        return new SampleResult(settings.Out!, pretrain, finetune.Out!, finetuned, report);
    }
}
