using Flint.Finetuning;
using Flint.Text.Data;
using Flint.Training;

using Flint.Logging;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// <c>flint evaluate</c>: measures a run on data. A fine-tuned classifier: accuracy, F1, MCC and loss on labelled data it has
/// not seen. A pretraining run: its objective's loss, perplexity and word-level perplexity on its own validation split or on
/// text (see <see cref="LmEvaluation"/>). Either way the result is written to <c>evaluations/NAME.json</c> in the run and
/// registered in the run store as an <c>evaluate</c> run whose parent is the evaluated run.
/// </summary>
public static class EvaluateJob
{
    /// <summary>Evaluates <paramref name="runPath"/> on <paramref name="dataPath"/> (for a pretraining run, null means its own validation split).</summary>
    /// <param name="runPath">A run folder made by <c>flint pretrain</c> or <c>flint finetune</c>.</param>
    /// <param name="dataPath">A fine-tuning run: labelled data (required). A pretraining run: raw text (a file, folder or comma-separated list), a tokenized dataset (its validation split is used), or null.</param>
    /// <param name="columns">A fine-tuning run: the text and label columns.</param>
    /// <param name="batchSize">A fine-tuning run: examples per batch. A pretraining run uses its own <c>data.batch_size</c>.</param>
    public static EvaluationResult Run(string runPath, string? dataPath, LabeledDataOptions? columns = null, int batchSize = 64)
    {
        var run = RunFolder.Existing(runPath);
        if (dataPath is not null && !File.Exists(dataPath) && !Directory.Exists(dataPath) && !dataPath.Contains(','))
            throw new FileNotFoundException($"--data {dataPath}: no such file or folder.", dataPath);
        var started = DateTimeOffset.UtcNow;
        var result = run.Kind switch
        {
            RunKind.Finetune => Classifier(run, dataPath ?? throw new ArgumentException(
                $"--data: required to evaluate the fine-tuning run {run.Path}; pass labelled data it has not trained on (TSV/CSV/JSONL, or per-class files/folders)."),
                columns, batchSize),
            RunKind.Pretrain => LmEvaluation.Run(run, dataPath),
            _ => throw new InvalidDataException(
                $"{run.Path} is a '{run.ConfigValue("kind")}' run; flint evaluate measures a pretraining run (made by flint pretrain) or a fine-tuning run (made by flint finetune)."),
        };
        Record(run, result, dataPath is null ? "validation" : Path.GetFileNameWithoutExtension(dataPath.TrimEnd('/')), started);
        return result;
    }

    /// <summary>A fine-tuned classifier's test metrics on labelled <paramref name="data"/>.</summary>
    static EvaluationResult Classifier(RunFolder run, string data, LabeledDataOptions? columns, int batchSize)
    {
        var (classifier, labels, tokenizer) = ClassifierRun.Load(run);
        var examples = LabeledData.Read(data, columns);
        var specials = tokenizer.Specials;
        // Texts are cut where training cut them: measured on other lengths, the classifier would be a different one.
        int maxLength = Math.Min(run.Spec<FinetuneSpec>().Data.MaxLength, classifier.Encoder.ContextLength);
        var loader = new ClassificationLoader(examples, tokenizer, labels, new ClassificationLoaderOptions(batchSize, maxLength, Shuffle: false,
            PrependToken: classifier.Encoder.IsCausal ? null : specials.Cls, AppendToken: classifier.Encoder.IsCausal ? specials.Eos : specials.Sep));
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 1, ProgressBar = false });
        return new EvaluationResult(run.Path, RunKind.Finetune.Name(), Path.GetFullPath(data), trainer.Test(classifier, loader), Examples: examples.Count);
    }

    /// <summary>Writes <c>evaluations/NAME-TIMESTAMP.json</c> into the run, and registers the evaluation in the run store with the run as its parent.</summary>
    static void Record(RunFolder run, EvaluationResult result, string name, DateTimeOffset started)
    {
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss-fff", System.Globalization.CultureInfo.InvariantCulture);
        Directory.CreateDirectory(run.File("evaluations"));
        File.WriteAllText(run.File(Path.Combine("evaluations", $"{name}-{stamp}.json")), result.ToJsonText(indented: true));

        // An evaluation is a run of its own in the store, with the evaluated run as its parent.
        var store = Tracking.RunStore.ForRun(run.Path);
        var evaluation = RunFolder.Open(Path.Combine(store.Root, $"evaluate-{stamp}"), RunKind.Evaluate, false, new EvaluateSpec { From = run.Path, Data = result.Data });
        try
        {
            var metrics = result.Metrics;
            new RunSummary
            {
                Name = evaluation.Name, Kind = RunKind.Evaluate.Name(), Status = RunStatus.Finished, StopReason = "completed", Parent = run.Path,
                TestAccuracy = result.Language is null ? metrics.GetValueOrDefault(MetricNames.TestAccuracy, double.NaN) : null,
                ValLoss = result.Language?.Loss ?? metrics.GetValueOrDefault(MetricNames.TestLoss, double.NaN), Metrics = metrics.ToDictionary(),
                Started = started, Finished = DateTimeOffset.UtcNow, GitCommit = RunFolder.GitCommit(),
            }.Write(evaluation.Path);
            store.Upsert(evaluation.Path);
        }
        finally
        {
            evaluation.ReleaseLock();
        }
    }
}
