using Flint.Checkpoints;
using Flint.Config;
using Flint.Logging;
using Flint.Runtime;
using Flint.Training;
using Flint.Training.Callbacks;

namespace Flint.Workflow;

/// <summary>The trainer every command builds from its config: same sinks, callbacks and checkpoints everywhere.</summary>
internal static class TrainingSetup
{
    public static TrainerOptions Options(RunConfig c, long? maxSteps = null, int? maxEpochs = null) => new()
    {
        MaxSteps = maxSteps ?? c.Long("trainer.max_steps"),
        MaxEpochs = maxEpochs ?? (int?)c.Long("trainer.max_epochs"),
        MaxTime = c.Double("trainer.max_minutes") is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        AccumulateGradBatches = (int)(c.Long("trainer.accumulate") ?? 1),
        GradientClipNorm = c.Double("trainer.clip") is { } clip && clip > 0 ? clip : null,
        LogEveryNSteps = (int)(c.Long("trainer.log_every") ?? 25),
        ValidateEveryNSteps = c.Long("trainer.val_every"),
        LimitValidationBatches = c.Long("trainer.limit_val_batches"),
        ProgressBar = c.Bool("trainer.progress"),
        Runtime = new RuntimeOptions(DeviceSpec.Parse(c["device"]), (int?)c.Long("threads"), c.Long("seed") ?? 0),
    };

    /// <summary>Settings that may change across a resume: where output goes, how it is shown, and budgets that only move the end.</summary>
    static readonly HashSet<string> MayChangeOnResume =
    [
        "out", "resume", "allow_config_change", "device", "threads", "trainer.progress", "trainer.log_every", "trainer.max_minutes",
        "trainer.auto_minutes", "checkpoint.every_steps", "checkpoint.top_k",
    ];

    public static Trainer Trainer(RunConfig c, RunFolder run, TrainerOptions options, string? monitor, string mode, IReadOnlyDictionary<string, string> exactness, IEnumerable<Callback>? extra = null)
    {
        // Every other setting changes what is computed, so a resume compares them all (and names each difference).
        exactness = c.Values.Where(kv => !MayChangeOnResume.Contains(kv.Key)).Select(kv => KeyValuePair.Create($"config.{kv.Key}", kv.Value))
            .Concat(exactness).ToDictionary();
        var callbacks = new List<Callback> { new LearningRateMonitor(every: options.LogEveryNSteps), new ThroughputMonitor(every: options.LogEveryNSteps), new GradientNormMonitor(), new Training.Callbacks.Timer() };
        callbacks.AddRange(extra ?? []);
        ILogSink[] sinks = [new CsvSink(run.File("metrics.csv")), new JsonlSink(run.File("metrics.jsonl")), new TensorBoardSink(run.File("tb"))];
        var checkpoints = new CheckpointOptions(run.Checkpoints, EveryNSteps: c.Long("checkpoint.every_steps"), Monitor: monitor, Mode: mode,
            TopK: (int)(c.Long("checkpoint.top_k") ?? 1), Exactness: exactness);
        return new Trainer(options, callbacks, sinks, checkpoints: checkpoints);
    }

    public static OptimizerDefaults Optimizer(RunConfig c, double defaultLr) => new(
        LearningRate: c.Double("optimizer.lr") ?? defaultLr, WeightDecay: c.Double("optimizer.weight_decay") ?? 0.1,
        WarmupFraction: c.Double("optimizer.warmup") ?? 0.05, MinLrRatio: c.Double("optimizer.min_lr_ratio") ?? 0.1, Beta2: c.Double("optimizer.beta2") ?? 0.99);

    public static string Status(FitResult result) =>
        result.StopReason.StartsWith("interrupted", StringComparison.Ordinal) ? "interrupted" : "finished";
}
