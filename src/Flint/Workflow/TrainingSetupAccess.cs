using Flint.Config;
using Flint.Training;

namespace Flint.Workflow;

/// <summary>The trainer <c>flint pretrain</c> builds for a config, without data: what <c>flint describe-loop</c> prints.</summary>
public static class TrainingSetupAccess
{
    /// <summary>Builds the trainer (callbacks, sinks into <paramref name="run"/>, checkpoints) as pretraining would.</summary>
    public static Trainer Trainer(RunConfig c, RunFolder run)
    {
        var options = TrainingSetup.Options(c, maxSteps: c.Long("trainer.max_steps") ?? 1000);
        return TrainingSetup.Trainer(c, run, options, "val/loss", "min", new Dictionary<string, string>());
    }
}
