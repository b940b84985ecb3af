using Flint.Config;
using Flint.Logging;
using Flint.Tracking;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Workflow.Specs;
using TorchSharp;

namespace Flint.Workflow;

/// <summary>
/// Your own experiment as a first-class run: a run folder (locked while you write into it) with your settings as
/// <c>config.yaml</c>, an entry in the runs index, the trainer every command builds (CSV, JSONL and TensorBoard sinks;
/// LR, throughput, gradient-norm and timer monitors; checkpoints in <c>checkpoints/</c>, resumable with
/// <c>Resume = "last"</c>) and <c>summary.json</c> at the end, so it appears in <c>flint runs</c>, <c>flint report</c>
/// and the dashboard exactly like a <c>flint pretrain</c> run.
/// <code>
/// using var run = ExperimentRun.Open(new MySettings { Out = "runs/idea-1", Trainer = new() { MaxSteps = 500 } });
/// using var trainer = run.CreateTrainer([new MyCallback()]);
/// var result = run.Fit(trainer, module, train, validation);   // and run.Summary, as written to summary.json
/// </code>
/// </summary>
public sealed class ExperimentRun : IDisposable
{
    readonly TrackedRun? _tracked;
    readonly DateTimeOffset _started;
    readonly TextWriter _log;

    ExperimentRun(RunFolder folder, ExperimentSpec settings, TrackedRun? tracked, TextWriter log)
    {
        Folder = folder;
        Settings = settings;
        _tracked = tracked;
        _log = log;
        _started = DateTimeOffset.UtcNow;
    }

    /// <summary>The run folder.</summary>
    public RunFolder Folder { get; }

    /// <summary>The settings, as validated and written to <c>config.yaml</c>.</summary>
    public ExperimentSpec Settings { get; }

    /// <summary>
    /// Validates <paramref name="settings"/> (ranges, required values: every problem at once), opens the run folder
    /// <c>Out</c> (or <c>runs/experiment-TIMESTAMP</c>; an existing run only when <c>Resume</c> is set), writes the settings
    /// and marks the run running in the index of the folder's parent (the runs root).
    /// </summary>
    /// <param name="settings">Your settings record (derived from <see cref="ExperimentSpec"/>).</param>
    /// <param name="log">Where to say what happens (default: standard output).</param>
    public static ExperimentRun Open(ExperimentSpec settings, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        log ??= Console.Out;
        var schema = SpecBinder.SchemaOf(settings.GetType());
        RunConfig.Resolve(schema, null, SpecBinder.ValuesOf(settings).Where(kv => kv.Value.Length > 0).ToDictionary()); // throws ConfigException listing every problem
        var folder = Ranks.OpenRun(settings.Out, RunKind.Experiment, settings.Resume is not null, settings, log);
        var tracked = Ranks.World.IsLeader ? RunTracking.Begin(folder) : null;
        return new ExperimentRun(folder, settings, tracked, log);
    }

    /// <summary>
    /// The trainer for this run: <c>Settings.Trainer</c>'s options (or <paramref name="options"/>), the standard sinks and
    /// monitors, checkpoints keeping the best by <paramref name="monitor"/>, and <paramref name="callbacks"/>. Dispose it
    /// before the run.
    /// </summary>
    public Trainer CreateTrainer(IEnumerable<Callback>? callbacks = null, string? monitor = MetricNames.ValLoss, MonitorMode mode = MonitorMode.Min,
        TrainerOptions? options = null) =>
        TrainingSetup.Trainer(Settings, Settings.Checkpoint, Folder, options ?? Settings.Trainer.ToOptions(Settings), monitor, mode,
            new Dictionary<string, string>(), _log, callbacks);

    /// <summary>
    /// Fits <paramref name="module"/> (resuming as <c>Settings.Resume</c> says), then writes <c>summary.json</c>
    /// (<see cref="Summary"/>) and records how the run ended in the index. A failure is recorded as <c>failed</c> and rethrown.
    /// </summary>
    public FitResult Fit<TBatch>(Trainer trainer, FlintModule<TBatch> module, IEnumerable<TBatch> train, IEnumerable<TBatch>? validation = null,
        string? parent = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        FitResult fit;
        try
        {
            fit = trainer.Fit(module, train, validation, Settings.Resume, Settings.AllowConfigChange);
        }
        catch
        {
            _tracked?.End(RunStatus.Failed);
            throw;
        }
        Finish(fit, module, parent);
        return fit;
    }

    /// <summary>What <c>summary.json</c> says, once the run finished (null before).</summary>
    public RunSummary? Summary { get; private set; }

    /// <summary>Writes <c>summary.json</c> for a fit you ran yourself (its final validation metrics included) and records the run's end.</summary>
    /// <param name="fit">What the fit returned.</param>
    /// <param name="model">The trained module (for the parameter counts).</param>
    /// <param name="parent">The run folder this one started from (e.g. the pretraining run of a fine-tuning), if any.</param>
    public RunSummary Finish(FitResult fit, torch.nn.Module model, string? parent = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        long total = model.parameters().Sum(p => p.numel()), trainable = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        var summary = new RunSummary
        {
            Name = Folder.Name, Kind = RunKind.Experiment.Name(), Status = TrainingSetup.Status(fit), Params = total, TrainableParams = trainable,
            Tokens = fit.Tokens, WallSeconds = fit.Elapsed.TotalSeconds, TokensPerSecond = fit.Elapsed.TotalSeconds > 0 ? fit.Tokens / fit.Elapsed.TotalSeconds : 0,
            FinalStep = fit.Steps, StopReason = fit.StopReason, Metrics = fit.LastValidation.ToDictionary(),
            ValLoss = fit.LastValidation.TryGetValue(MetricNames.ValLoss, out var loss) ? loss : null,
            ValAccuracy = fit.LastValidation.TryGetValue(MetricNames.ValAccuracy, out var accuracy) ? accuracy : null,
            Parent = parent is null ? null : Path.GetFullPath(parent), GitCommit = RunFolder.GitCommit(), Started = _started, Finished = DateTimeOffset.UtcNow,
        };
        if (Ranks.World.IsLeader) summary.Write(Folder.Path);
        _tracked?.End();
        return Summary = summary;
    }

    /// <summary>Releases the run folder; a run never finished is recorded as <c>failed</c>.</summary>
    public void Dispose()
    {
        if (_tracked is null) return;
        if (!_tracked.Ended) _tracked.End(RunStatus.Failed);
        _tracked.Dispose();
    }
}
