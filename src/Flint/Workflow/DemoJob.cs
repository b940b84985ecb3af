using System.Globalization;
using System.Text.Json;
using Flint.Tracking;
using Flint.Workflow.Specs;

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
    public static DemoResult Run(DemoSpec spec, TextWriter log)
    {
        var demoRun = RunFolder.Open(System.IO.Path.Combine(spec.Out, $"demo-{DateTime.Now:yyyyMMdd-HHmmss}"), RunKind.Demo, false, spec, log);
        var folder = demoRun.Path;
        var started = DateTimeOffset.UtcNow;
        return RunTracking.Track(demoRun, () =>
        {
            var result = RunArms(spec, folder, log);
            new RunSummary
            {
                Name = demoRun.Name, Kind = RunKind.Demo.Name(), Status = RunStatus.Finished, StopReason = "completed", Started = started, Finished = DateTimeOffset.UtcNow,
                GitCommit = RunFolder.GitCommit(), WallSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds, TestAccuracy = result.Pretrained.TestAccuracy,
                Metrics = new() { ["margin"] = result.Margin, ["pretrained_test_accuracy"] = result.Pretrained.TestAccuracy, ["scratch_test_accuracy"] = result.Scratch.TestAccuracy },
            }.Write(folder);
            return result;
        });
    }

    static DemoResult RunArms(DemoSpec spec, string folder, TextWriter log)
    {
        var corpus = $"{BundledData.Path("tinyshakespeare")},{BundledData.Path("sotu")}";
        var labelled = BundledData.Path("rt-polarity");
        double minutes = spec.Minutes;
        int epochs = Math.Max(1, (int)Math.Round(2 * minutes / 7));

        log.WriteLine($"== 1/3 pretraining a small causal LM on tiny-shakespeare + State of the Union ({minutes * 0.4:F1} min budget)");
        var pretrainSpec = new PretrainSpec
        {
            Out = System.IO.Path.Combine(folder, "pretrain"), Seed = spec.Seed, Device = spec.Device, Data = new() { Path = corpus }, Model = new() { Preset = "small" },
            Trainer = new() { AutoMinutes = Math.Round(minutes * 0.4, 6), Progress = spec.Progress }, Checkpoint = new() { EverySteps = 200 },
        };
        var (pretrainRun, pretrain) = PretrainJob.Run(pretrainSpec, log);

        DemoArm Finetune(string name, FinetuneSpec source)
        {
            var (run, s) = FinetuneJob.Run(source with
            {
                Out = System.IO.Path.Combine(folder, name), Seed = spec.Seed, Device = spec.Device, Data = new() { Path = labelled },
                Trainer = new() { MaxEpochs = epochs, Progress = spec.Progress }, Optimizer = new() { Lr = 2e-4 }, Checkpoint = new() { EverySteps = 1000 },
            }, log);
            return new DemoArm(run.Path, s.ValAccuracy ?? double.NaN, s.TestAccuracy ?? double.NaN, s.ValLoss ?? double.NaN, s.WallSeconds, s.TokensPerSecond);
        }

        log.WriteLine($"== 2/3 fine-tuning the pretrained model on rt-polarity ({epochs} epochs)");
        var pretrained = Finetune("finetune-pretrained", new FinetuneSpec { From = pretrainRun.Path });
        log.WriteLine($"== 3/3 control: the same architecture from random weights, same data and budget ({epochs} epochs)");
        var scratch = Finetune("finetune-scratch", new FinetuneSpec { From = "scratch", ArchitectureOf = pretrainRun.Path });
        var result = new DemoResult(folder, pretrain, pretrained, scratch);
        Reports.ReportBuilder.Write(new Reports.ReportRequest("Flint demo: pretrained vs from scratch on rt-polarity", [pretrainRun.Path, pretrained.Run, scratch.Run]),
            System.IO.Path.Combine(folder, "report.html"));
        WriteDemoJson(spec, folder, result, pretrainRun, epochs);
        return result;
    }

    static void WriteDemoJson(DemoSpec spec, string folder, DemoResult result, RunFolder pretrainRun, int epochs)
    {
        var (pretrain, pretrained, scratch, minutes) = (result.Pretrain, result.Pretrained, result.Scratch, spec.Minutes);
        File.WriteAllText(System.IO.Path.Combine(folder, "demo.json"), JsonSerializer.Serialize(new
        {
            pretrained = new { test_accuracy = pretrained.TestAccuracy, val_accuracy = pretrained.ValAccuracy, run = pretrained.Run },
            scratch = new { test_accuracy = scratch.TestAccuracy, val_accuracy = scratch.ValAccuracy, run = scratch.Run },
            margin = result.Margin,
            pretrain = new { run = pretrainRun.Path, val_loss = pretrain.ValLoss, steps = pretrain.FinalStep, tokens = pretrain.Tokens, wall_s = pretrain.WallSeconds },
            minutes, seed = spec.Seed.ToString(CultureInfo.InvariantCulture), finetune_epochs = epochs, flint_version = FlintInfo.Version,
        }, new JsonSerializerOptions { WriteIndented = true }));
    }
}
