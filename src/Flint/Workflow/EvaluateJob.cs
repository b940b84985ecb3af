using System.Text.Json;
using Flint.Finetuning;
using Flint.Text.Data;
using Flint.Training;

namespace Flint.Workflow;

/// <summary><c>flint evaluate</c>: a fine-tuned run's accuracy, F1 and MCC on labelled data it has not seen.</summary>
public static class EvaluateJob
{
    static readonly Config.ConfigSchema Schema = new([new("from", "string", "", "The fine-tuned run."), new("data", "string", "", "The labelled data.")]);

    /// <summary>Evaluates <paramref name="runPath"/> on <paramref name="dataPath"/>; writes <c>evaluations/NAME.json</c> into the run.</summary>
    public static IReadOnlyDictionary<string, double> Run(string runPath, string dataPath, LabeledDataOptions? columns = null, int batchSize = 64)
    {
        var run = RunFolder.Existing(runPath);
        var (classifier, labels, tokenizer) = ClassifierRun.Load(run);
        var examples = LabeledData.Read(dataPath, columns);
        var specials = tokenizer.Specials;
        var loader = new ClassificationLoader(examples, tokenizer, labels, new ClassificationLoaderOptions(batchSize, Math.Min(64, classifier.Encoder.ContextLength), Shuffle: false,
            PrependToken: classifier.Encoder.IsCausal ? null : specials.Cls, AppendToken: classifier.Encoder.IsCausal ? specials.Eos : specials.Sep));
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 1, ProgressBar = false });
        var started = DateTimeOffset.UtcNow;
        var metrics = trainer.Test(classifier, loader);
        Directory.CreateDirectory(run.File("evaluations"));
        File.WriteAllText(run.File(Path.Combine("evaluations", $"{Path.GetFileNameWithoutExtension(dataPath.TrimEnd('/'))}-{DateTime.Now:yyyyMMdd-HHmmss}.json")),
            JsonSerializer.Serialize(new { data = Path.GetFullPath(dataPath), examples = examples.Count, metrics }, new JsonSerializerOptions { WriteIndented = true }));

        // An evaluation is a run of its own in the store, with the fine-tuned run as its parent.
        var store = Tracking.RunStore.ForRun(run.Path);
        var evaluation = RunFolder.Open(Path.Combine(store.Root, $"evaluate-{DateTime.Now:yyyyMMdd-HHmmss-fff}"), "evaluate", false,
            Config.RunConfig.Resolve(Schema, null, new Dictionary<string, string> { ["from"] = run.Path, ["data"] = Path.GetFullPath(dataPath) }));
        new RunSummary
        {
            Name = evaluation.Name, Kind = "evaluate", Status = "finished", StopReason = "completed", Parent = run.Path, TestAccuracy = metrics.GetValueOrDefault("test/accuracy", double.NaN),
            ValLoss = metrics.GetValueOrDefault("test/loss", double.NaN), Metrics = metrics.ToDictionary(), Started = started, Finished = DateTimeOffset.UtcNow, GitCommit = RunFolder.GitCommit(),
        }.Write(evaluation.Path);
        store.Upsert(evaluation.Path);
        return metrics;
    }
}
