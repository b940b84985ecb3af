using System.Text.Json;
using Flint.Config;
using Flint.Text.Data;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// ULMFiT's stage 2, target-domain LM adaptation: continue the body's pretraining objective on the texts of the labelled
/// data's training split — never its validation or test texts, never its labels — before the classifier is trained. It is a
/// pretraining run of its own (<c>adapt/</c> inside the fine-tuning run), so its curve, checkpoints and settings are
/// recorded like any other, and an interrupted fine-tuning resumes it exactly.
/// </summary>
public static class TargetAdaptation
{
    /// <summary>The texts' file name, beside <c>adapt/</c> in the fine-tuning run.</summary>
    public const string TextsFile = "adapt-texts.jsonl";

    /// <summary>Refuses adaptation of a body that has no pretraining objective to continue.</summary>
    public static void Check(FinetuneSpec spec, PretrainedSource source)
    {
        if (source.Parent is not null && File.Exists(Path.Combine(source.Parent, RunFolder.ConfigFile))) return;
        var what = spec.From == "scratch" ? "--from scratch has no pretraining to continue" : $"{spec.From} is not a Flint pretraining run";
        throw new ConfigException("run", [$"adapt.steps: adaptation continues the pretraining objective of --from's run, and {what}. Pass a run made by flint pretrain, or drop --adapt.steps/--adapt.minutes."]);
    }

    /// <summary>Adapts <paramref name="source"/> on <paramref name="trainSplit"/>'s texts in <c>RUN/adapt</c>; returns the adapted body, or null when interrupted.</summary>
    public static PretrainedSource? Run(FinetuneSpec spec, RunFolder run, PretrainedSource source, IReadOnlyList<LabeledExample> trainSplit, TextWriter log)
    {
        var texts = run.File(TextsFile);
        var adapted = run.File("adapt");
        if (!Completed(adapted))
        {
            WriteTexts(trainSplit, texts);
            log.WriteLine($"== Target-domain adaptation: continuing {source.Parent}'s objective on the {trainSplit.Count:N0} texts of the training split of {spec.Data.Path} (no labels, no validation or test texts).");
            var (_, summary) = PretrainJob.Run(Spec(spec, source.Parent!, texts, adapted), log);
            if (summary.Status != RunStatus.Finished) return null;
        }
        else log.WriteLine($"Target-domain adaptation: {adapted} is complete; reusing it.");
        return PretrainedSource.Resolve(spec with { From = adapted, ArchitectureOf = null, Tokenizer = null });
    }

    /// <summary>The adaptation run's settings: the fine-tuning run's seed and device, <c>adapt.*</c>'s budget, resumed when it has a checkpoint.</summary>
    public static PretrainSpec Spec(FinetuneSpec spec, string pretrainRun, string texts, string folder) => new()
    {
        Out = folder, From = pretrainRun, Seed = spec.Seed, Device = spec.Device, Threads = spec.Threads,
        Resume = Directory.Exists(Path.Combine(folder, "checkpoints", "last")) ? "last" : null,
        Data = new() { Path = texts, BatchSize = spec.Adapt.BatchSize },
        Trainer = new() { MaxSteps = spec.Adapt.Steps > 0 ? spec.Adapt.Steps : null, AutoMinutes = spec.Adapt.Minutes ?? 1, Progress = spec.Trainer.Progress },
        Optimizer = new() { Lr = spec.Adapt.Lr }, Checkpoint = new() { EverySteps = 200 },
    };

    /// <summary>One JSON line per text (each a document: the tokenizer separates them as in pretraining), written only when they changed.</summary>
    public static void WriteTexts(IReadOnlyList<LabeledExample> examples, string path)
    {
        var lines = examples.Select(e => JsonSerializer.Serialize(new { text = e.Text })).ToList();
        if (File.Exists(path) && File.ReadLines(path).SequenceEqual(lines)) return; // unchanged: a resumed run reuses its tokenized data
        File.WriteAllLines(path, lines);
    }

    static bool Completed(string folder) =>
        File.Exists(Path.Combine(folder, RunSummary.FileName)) && RunSummary.Read(folder) is { Status: RunStatus.Finished };
}
