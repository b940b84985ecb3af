using System.CommandLine;
using Flint.Runtime;
using Flint.Tracking;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary>The training workflow: <c>flint pretrain</c>, <c>flint finetune</c>.</summary>
internal static class WorkflowCommands
{
    public static Command Pretrain() => ConfiguredCommand.Create<PretrainSpec>("pretrain",
        "Self-supervised pretraining (causal LM, masked LM or ELECTRA) on a corpus. Only --data is required; everything else has a sensible default.",
        spec =>
        {
            if (AlreadyComplete(spec, "pretrain")) return 0;
            var (run, summary) = PretrainJob.Run(spec, Console.Out);
            Show(summary, run, "pretrain");
            return Exit(summary, run, "pretrain");
        });

    public static Command Finetune() => ConfiguredCommand.Create<FinetuneSpec>("finetune",
        "Fine-tune a pretrained body (or one from scratch) on labelled text: full, adapters, LoRA, frozen or gradual unfreezing.",
        spec =>
        {
            if (AlreadyComplete(spec, "finetune")) return 0;
            var (run, summary) = FinetuneJob.Run(spec, Console.Out);
            Show(summary, run, "finetune");
            return Exit(summary, run, "finetune");
        });

    internal static void Show(RunSummary s, RunFolder run, string kind)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{kind}: {run.Name}")).AddColumn("measure").AddColumn("value");
        table.AddRow("status", Markup.Escape($"{s.Status.ToString().ToLowerInvariant()} ({s.StopReason})"));
        table.AddRow("parameters", s.TrainableParams == s.Params ? $"{s.Params:N0}" : $"{s.TrainableParams:N0} trainable of {s.Params:N0}");
        table.AddRow("steps", $"{s.FinalStep:N0}");
        table.AddRow("tokens", $"{s.Tokens:N0}");
        table.AddRow("wall time", $"{s.WallSeconds:F1} s");
        table.AddRow("throughput", $"{s.TokensPerSecond:N0} tokens/s");
        if (s.ValLoss is { } loss && !double.IsNaN(loss)) table.AddRow("validation loss", $"{loss:F4}");
        if (s.ValAccuracy is { } va && !double.IsNaN(va)) table.AddRow("validation accuracy", $"{va:P2}");
        if (s.TestAccuracy is { } ta && !double.IsNaN(ta)) table.AddRow("test accuracy", $"{ta:P2}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"Wrote {run.File("summary.json")}; weights in {Path.Combine(run.Checkpoints, "last", "model.safetensors")}."));
    }

    /// <summary>
    /// <c>--resume last</c> on a run that finished (its summary says so and its <c>last</c> checkpoint is complete and
    /// marked so) with the settings it finished with: there is nothing to train, so nothing is rewritten — summary, config,
    /// index and logs stay as they are. Raising the budget needs <c>--allow-config-change</c>, which goes on to the trainer.
    /// </summary>
    static bool AlreadyComplete(RunSpec spec, string kind)
    {
        if (spec.Resume != "last" || spec.AllowConfigChange || spec.Out is not { } folder) return false;
        var last = Path.Combine(folder, "checkpoints", "last");
        if (!File.Exists(Path.Combine(folder, RunSummary.FileName)) || Checkpoints.CheckpointStore.Problem(last) is not null) return false;
        RunSummary summary;
        try
        {
            summary = RunSummary.Read(folder);
            var saved = Checkpoints.TrainerCheckpoint.Read(last);
            if (summary.Status != RunStatus.Finished || !saved.Completed) return false;
            // Only with the settings it finished with (a setting left out keeps the recorded one): a changed setting goes on
            // to the trainer, which refuses it, or trains further with --allow-config-change.
            foreach (var (key, value) in Config.SpecBinder.ValuesOf(spec))
                if (value.Length > 0 && saved.Exactness.TryGetValue($"config.{key}", out var recorded) && recorded != value) return false;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or InvalidDataException)
        {
            return false; // not readable as a finished run: the job says what is wrong with it
        }
        AnsiConsole.MarkupLine(Markup.Escape(
            $"{folder} is already complete ({summary.StopReason}, step {summary.FinalStep:N0}); nothing was changed. " +
            $"To train further, raise the budget and add --allow-config-change; to start over, choose another --out."));
        return true;
    }

    internal static int Exit(RunSummary s, RunFolder run, string kind)
    {
        if (s.Status != RunStatus.Interrupted) return 0;
        AnsiConsole.MarkupLine(Markup.Escape($"Interrupted. Continue with: flint {kind} --out {run.Path} --resume last (plus the same options)."));
        return Interrupts.ExitCode(Interrupts.Received ?? System.Runtime.InteropServices.PosixSignal.SIGINT);
    }
}
