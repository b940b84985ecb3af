using Flint.Logging;
using Flint.Tracking;
using Flint.Training;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>The trainer <c>flint pretrain</c> builds for its settings, without data: what <c>flint describe-loop</c> prints.</summary>
public static class TrainingSetupAccess
{
    /// <summary>Builds the trainer (callbacks, sinks into <paramref name="run"/>, checkpoints) as pretraining would.</summary>
    public static Trainer Trainer(PretrainSpec spec, RunFolder run) =>
        TrainingSetup.Trainer(spec, spec.Checkpoint, run, spec.Trainer.ToOptions(spec, maxSteps: spec.Trainer.MaxSteps ?? 1000), MetricNames.ValLoss, MonitorMode.Min,
            new Dictionary<string, string>(), TextWriter.Null);
}
