using System.Globalization;
using Flint.Config;
using Flint.Models;
using Flint.Optim;
using Flint.Text.Corpus;
using Flint.Text.Data;
using Flint.Text.Shards;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary><c>flint lr-find</c>: the LR range test for the model and data <c>flint pretrain</c> would use; writes the curve to the run folder.</summary>
public static class LrFindJob
{
    /// <summary>Runs the sweep; returns the result and the run folder.</summary>
    public static (RunFolder Run, LrFinderResult Result) Run(RunConfig c, TextWriter log, int steps = 100)
    {
        var data = c.String("data") ?? throw new ConfigException("run", ["data: required."]);
        var preset = ModelPresets.Get(c["model.preset"]);
        var run = RunFolder.Open(c.String("out") ?? Path.Combine("runs", $"lr-find-{DateTime.Now:yyyyMMdd-HHmmss}"), "lr-find", false, c);
        var inputs = data.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string dataset = inputs.Length == 1 && File.Exists(Path.Combine(data, TokenDatasetMeta.FileName)) ? data : run.File("data");
        if (dataset != data)
        {
            var tokenizer = PretrainJob.ChooseTokenizer(c, preset, inputs, log);
            TokenizeJob.Run(CorpusReader.ExpandInputs(inputs), tokenizer, dataset, new TokenizeOptions(ValidationFraction: 0, Overwrite: true));
        }
        using var shards = TokenShards.Open(dataset);
        int context = (int)(c.Long("data.context") ?? preset.Context);
        manual_seed(c.Long("seed") ?? 0);
        var (objective, _, _) = PretrainJob.BuildObjective(c["objective"], preset, shards.LoadTokenizer(), context, c.Double("model.dropout") ?? 0);
        objective.Optimization = TrainingSetup.Optimizer(c, 1e-3);
        var loader = new LmLoader(shards, new LmLoaderOptions((int)(c.Long("data.batch_size") ?? 16), context, Seed: c.Long("seed") ?? 0));
        log.WriteLine($"Sweeping the learning rate from 1e-7 to 10 over {steps} steps ({preset.Name}, {c["objective"]}).");
        var result = LrFinder.Run(objective, loader, new LrFinderOptions(Steps: steps), new Runtime.RuntimeOptions(Runtime.DeviceSpec.Parse(c["device"])));
        using (var csv = new StreamWriter(run.File("lr_find.csv")))
        {
            csv.WriteLine("lr,loss,smoothed_loss");
            for (int i = 0; i < result.LearningRates.Count; i++)
                csv.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.LearningRates[i]:G6},{result.RawLosses[i]:G6},{result.Losses[i]:G6}"));
        }
        File.WriteAllBytes(run.File("lr_find.png"), Reports.Charts.LrFinder(result.LearningRates, result.Losses, result.Valley, result.Steepest));
        new RunSummary { Name = run.Name, Kind = "lr-find", Status = "finished", StopReason = result.StopReason, FinalStep = result.LearningRates.Count,
            Metrics = new() { ["valley"] = result.Valley, ["steepest"] = result.Steepest, ["minimum"] = result.Minimum }, GitCommit = RunFolder.GitCommit(),
            Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow }.Write(run.Path);
        Tracking.RunStore.ForRun(run.Path).Upsert(run.Path);
        return (run, result);
    }
}
