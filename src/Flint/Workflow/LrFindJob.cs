using System.Globalization;
using Flint.Config;
using Flint.Models;
using Flint.Optim;
using Flint.Text.Corpus;
using Flint.Text.Data;
using Flint.Text.Shards;
using static TorchSharp.torch;

using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary><c>flint lr-find</c>: the LR range test for the model and data <c>flint pretrain</c> would use; writes the curve to the run folder.</summary>
public static class LrFindJob
{
    /// <summary>Runs the sweep; returns the result and the run folder.</summary>
    public static (RunFolder Run, LrFinderResult Result) Run(PretrainSpec spec, TextWriter log, int steps = 100)
    {
        if (spec.Data.Path is null) throw new ConfigException("run", ["data.path: required. Pass --data with a corpus file/folder or a tokenized dataset."]);
        var run = RunFolder.Open(spec.Out, RunKind.LrFind, false, spec, log);
        return RunTracking.Track(run, () => (run, Sweep(spec, run, steps, log)));
    }

    static LrFinderResult Sweep(PretrainSpec spec, RunFolder run, int steps, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        var preset = ModelPresets.Get(spec.Model.Preset);
        using var shards = TokenShards.Open(PretrainJob.PrepareCorpus(spec, run, log), "train");
        int context = PretrainJob.Context(spec, preset);
        manual_seed(spec.Seed);
        var (objective, _, _) = PretrainJob.BuildObjective(spec.Objective, preset, shards.LoadTokenizer(), context, spec.Model.Dropout);
        objective.Optimization = spec.Optimizer.ToDefaults(1e-3);
        var loader = new LmLoader(shards, new LmLoaderOptions(spec.Data.BatchSize, context, Seed: spec.Seed));
        log.WriteLine($"Sweeping the learning rate from 1e-7 to 10 over {steps} steps ({preset.Name}, {spec.Objective.ToString().ToLowerInvariant()}).");
        var result = LrFinder.Run(objective, loader, new LrFinderOptions(Steps: steps), new Runtime.RuntimeOptions(Runtime.DeviceSpec.Parse(spec.Device)));
        using (var csv = new StreamWriter(run.File("lr_find.csv")))
        {
            csv.WriteLine("lr,loss,smoothed_loss");
            for (int i = 0; i < result.LearningRates.Count; i++)
                csv.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.LearningRates[i]:G6},{result.RawLosses[i]:G6},{result.Losses[i]:G6}"));
        }
        File.WriteAllBytes(run.File("lr_find.png"), Reports.Charts.LrFinder(result.LearningRates, result.Losses, result.Valley, result.Steepest));
        new RunSummary { Name = run.Name, Kind = RunKind.LrFind.Name(), Status = RunStatus.Finished, StopReason = result.StopReason, FinalStep = result.LearningRates.Count,
            Metrics = new() { ["valley"] = result.Valley, ["steepest"] = result.Steepest, ["minimum"] = result.Minimum }, GitCommit = RunFolder.GitCommit(),
            Started = started, Finished = DateTimeOffset.UtcNow }.Write(run.Path);
        return result;
    }
}
