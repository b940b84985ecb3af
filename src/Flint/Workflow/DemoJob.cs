using System.Globalization;
using System.Text.Json;
using Flint.Config;

namespace Flint.Workflow;

/// <summary>One arm of the demo.</summary>
/// <param name="Run">Run folder.</param>
/// <param name="ValAccuracy">Validation accuracy.</param>
/// <param name="TestAccuracy">Test accuracy.</param>
/// <param name="ValLoss">Validation loss.</param>
/// <param name="WallSeconds">Training time.</param>
/// <param name="TokensPerSecond">Training throughput.</param>
public sealed record DemoArm(string Run, double ValAccuracy, double TestAccuracy, double ValLoss, double WallSeconds, double TokensPerSecond);

/// <summary>What the demo measured.</summary>
/// <param name="Folder">The demo's folder.</param>
/// <param name="Pretrain">The pretraining run's summary.</param>
/// <param name="Pretrained">Fine-tuned from the pretrained body.</param>
/// <param name="Scratch">Fine-tuned from random initialisation with the same architecture and budget.</param>
public sealed record DemoResult(string Folder, RunSummary Pretrain, DemoArm Pretrained, DemoArm Scratch)
{
    /// <summary>Test accuracy of the pretrained arm minus the scratch arm.</summary>
    public double Margin => Pretrained.TestAccuracy - Scratch.TestAccuracy;
}

/// <summary>
/// <c>flint demo</c>: the transfer-learning experiment in one command, on data shipped in the repository. Pretrain a small
/// causal LM on tiny-shakespeare and the State of the Union addresses; fine-tune it on rt-polarity; fine-tune the same
/// architecture from random weights with the same budget as the control; report both, measured in this run.
/// </summary>
public static class DemoJob
{
    /// <summary>Runs the demo.</summary>
    public static DemoResult Run(RunConfig c, TextWriter log)
    {
        double minutes = c.Double("minutes") ?? 7;
        var seed = c["seed"];
        var demoRun = RunFolder.Open(System.IO.Path.Combine(c["out"], $"demo-{DateTime.Now:yyyyMMdd-HHmmss}"), "demo", false, c);
        var folder = demoRun.Path;
        var started = DateTimeOffset.UtcNow;
        return Tracking.RunTracking.Track(demoRun, () =>
        {
            var result = RunArms(c, folder, minutes, seed, log);
            new RunSummary
            {
                Name = demoRun.Name, Kind = "demo", Status = "finished", StopReason = "completed", Started = started, Finished = DateTimeOffset.UtcNow,
                GitCommit = RunFolder.GitCommit(), WallSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds, TestAccuracy = result.Pretrained.TestAccuracy,
                Metrics = new() { ["margin"] = result.Margin, ["pretrained_test_accuracy"] = result.Pretrained.TestAccuracy, ["scratch_test_accuracy"] = result.Scratch.TestAccuracy },
            }.Write(folder);
            return result;
        });
    }

    static DemoResult RunArms(RunConfig c, string folder, double minutes, string seed, TextWriter log)
    {
        var corpus = $"{BundledData.Path("tinyshakespeare")},{BundledData.Path("sotu")}";
        var labelled = BundledData.Path("rt-polarity");
        string progress = c["progress"];
        int epochs = Math.Max(1, (int)Math.Round(2 * minutes / 7));

        log.WriteLine($"== 1/3 pretraining a small causal LM on tiny-shakespeare + State of the Union ({minutes * 0.4:F1} min budget)");
        var pretrainConfig = RunConfig.Resolve(Schemas.Pretrain, null, new Dictionary<string, string>
        {
            ["data"] = corpus, ["out"] = System.IO.Path.Combine(folder, "pretrain"), ["seed"] = seed, ["device"] = c["device"], ["model.preset"] = "small",
            ["trainer.auto_minutes"] = (minutes * 0.4).ToString(CultureInfo.InvariantCulture), ["trainer.progress"] = progress, ["checkpoint.every_steps"] = "200",
        });
        var (pretrainRun, pretrain) = PretrainJob.Run(pretrainConfig, log);

        DemoArm Finetune(string name, Dictionary<string, string> source)
        {
            var settings = new Dictionary<string, string>(source)
            {
                ["data"] = labelled, ["out"] = System.IO.Path.Combine(folder, name), ["seed"] = seed, ["device"] = c["device"],
                ["trainer.max_epochs"] = epochs.ToString(CultureInfo.InvariantCulture), ["optimizer.lr"] = "2e-4", ["trainer.progress"] = progress,
                ["checkpoint.every_steps"] = "1000",
            };
            var (run, s) = FinetuneJob.Run(RunConfig.Resolve(Schemas.Finetune, null, settings), log);
            return new DemoArm(run.Path, s.ValAccuracy ?? double.NaN, s.TestAccuracy ?? double.NaN, s.ValLoss ?? double.NaN, s.WallSeconds, s.TokensPerSecond);
        }

        log.WriteLine($"== 2/3 fine-tuning the pretrained model on rt-polarity ({epochs} epochs)");
        var pretrained = Finetune("finetune-pretrained", new() { ["from"] = pretrainRun.Path });
        log.WriteLine($"== 3/3 control: the same architecture from random weights, same data and budget ({epochs} epochs)");
        var scratch = Finetune("finetune-scratch", new() { ["from"] = "scratch", ["architecture_of"] = pretrainRun.Path });

        var result = new DemoResult(folder, pretrain, pretrained, scratch);
        Reports.ReportBuilder.Write(new Reports.ReportRequest("Flint demo: pretrained vs from scratch on rt-polarity", [pretrainRun.Path, pretrained.Run, scratch.Run]),
            System.IO.Path.Combine(folder, "report.html"));
        File.WriteAllText(System.IO.Path.Combine(folder, "demo.json"), JsonSerializer.Serialize(new
        {
            pretrained = new { test_accuracy = pretrained.TestAccuracy, val_accuracy = pretrained.ValAccuracy, run = pretrained.Run },
            scratch = new { test_accuracy = scratch.TestAccuracy, val_accuracy = scratch.ValAccuracy, run = scratch.Run },
            margin = result.Margin,
            pretrain = new { run = pretrainRun.Path, val_loss = pretrain.ValLoss, steps = pretrain.FinalStep, tokens = pretrain.Tokens, wall_s = pretrain.WallSeconds },
            minutes, seed, finetune_epochs = epochs, flint_version = FlintInfo.Version,
        }, new JsonSerializerOptions { WriteIndented = true }));
        return result;
    }
}
