using Flint.Checkpoints;
using Flint.Config;
using Flint.Logging;
using Flint.Tracking;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>The trainer every command builds from its settings: same sinks, callbacks and checkpoints everywhere.</summary>
internal static class TrainingSetup
{
    /// <summary>Settings that may change across a resume: where output goes, how it is shown, and budgets that only move the end.</summary>
    static readonly HashSet<string> MayChangeOnResume =
    [
        "out", "resume", "allow_config_change", "device", "threads", "trainer.progress", "trainer.log_every", "trainer.max_minutes",
        "trainer.auto_minutes", "checkpoint.every_steps", "checkpoint.top_k",
    ];

    /// <summary>
    /// A trainer writing into <paramref name="run"/> (CSV, JSONL, TensorBoard), with the standard monitors and checkpoints.
    /// Every setting of <paramref name="spec"/> but <see cref="MayChangeOnResume"/> must match on resume, with <paramref name="exactness"/>.
    /// </summary>
    public static Trainer Trainer(RunSpec spec, CheckpointSpec checkpoint, RunFolder run, TrainerOptions options, string? monitor, MonitorMode mode,
        IReadOnlyDictionary<string, string> exactness, TextWriter log, IEnumerable<Callback>? extra = null)
    {
        var trainer = Build(spec, checkpoint, run, options, monitor, mode, exactness, extra);
        // The settings become the run's record once the checkpoint accepted them (a refused resume leaves config.yaml as it was).
        if (Ranks.World.IsLeader && run.Kind is { } kind) trainer.Events.FitStarted.Subscribe((_, _) => run.WriteConfig(kind, spec), name: "record settings");
        // Where the fit starts (a checkpoint, or from scratch and why) is said before training, not after it.
        trainer.Events.FitStarted.Subscribe((_, _) => { if (trainer.ResumeMessage is { } message) log.WriteLine(message); }, name: "say where it resumed");
        return trainer;
    }

    static Trainer Build(RunSpec spec, CheckpointSpec checkpoint, RunFolder run, TrainerOptions options, string? monitor, MonitorMode mode,
        IReadOnlyDictionary<string, string> exactness, IEnumerable<Callback>? extra)
    {
        var compared = SpecBinder.ValuesOf(spec).Where(kv => !MayChangeOnResume.Contains(kv.Key)).Select(kv => KeyValuePair.Create($"config.{kv.Key}", kv.Value))
            .Concat(exactness).ToDictionary();
        var callbacks = new List<Callback> { new LearningRateMonitor(every: options.LogEveryNSteps), new ThroughputMonitor(every: options.LogEveryNSteps), new GradientNormMonitor(), new Training.Callbacks.Timer() };
        callbacks.AddRange(extra ?? []);
        // From the first file written until the trainer's checkpoint policy listens, a signal waits for it (and is saved at step 0).
        using var signals = Runtime.Interrupts.Defer();
        ILogSink[] sinks = [new CsvSink(run.File("metrics.csv")), new JsonlSink(run.File("metrics.jsonl")), new TensorBoardSink(run.File("tb"))];
        var checkpoints = new CheckpointOptions(run.Checkpoints, EveryNSteps: checkpoint.EverySteps, Monitor: monitor, Mode: mode, TopK: checkpoint.TopK, Exactness: compared);
        return new Trainer(options, callbacks, sinks, checkpoints: checkpoints);
    }

    /// <summary>How a fit ended, for the run's summary.</summary>
    public static RunStatus Status(FitResult result) => result.Interrupted ? RunStatus.Interrupted : RunStatus.Finished;
}
