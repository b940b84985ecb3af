using System.Globalization;
using Flint.Config;
using Flint.Finetuning;
using Flint.Logging;
using Flint.Text.Data;
using Flint.Tracking;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Workflow.Specs;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary><c>flint finetune</c>: a pretrained body (or scratch) + a classification head on labelled data; validation and test accuracy.</summary>
public static class FinetuneJob
{
    /// <summary>The three stratified splits of the labelled data; <paramref name="Train"/> is the label budget's sample of <paramref name="TrainSplit"/>.</summary>
    internal sealed record Splits(LabelMap Labels, List<LabeledExample> Train, List<LabeledExample> Validation, List<LabeledExample> Test, List<LabeledExample> TrainSplit);

    /// <summary>Runs fine-tuning as specified; returns the run's summary.</summary>
    public static (RunFolder Run, RunSummary Summary) Run(FinetuneSpec spec, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        var splits = ReadSplits(spec);
        manual_seed(spec.Seed);
        var source = PretrainedSource.Resolve(spec);
        if (spec.Adapt.Requested) TargetAdaptation.Check(spec, source);
        var run = Ranks.OpenRun(spec.Out, RunKind.Finetune, spec.Resume is not null, spec, log);
        log.WriteLine($"Run folder: {run.Path}");
        return Ranks.Track(run, () => Train(spec, run, source, splits, started, log));
    }

    static (RunFolder Run, RunSummary Summary) Train(FinetuneSpec spec, RunFolder run, PretrainedSource source, Splits splits, DateTimeOffset started, TextWriter log)
    {
        log.WriteLine($"Body: {source.LoadReport}.");
        if (spec.Adapt.Requested)
        {
            if (TargetAdaptation.Run(spec, run, source, splits.TrainSplit, log) is not { } adapted) return (run, Interrupted(run, started));
            source = adapted;
            log.WriteLine($"Adapted body: {source.LoadReport}.");
        }
        Ranks.LeaderThenAll(() =>
        {
            splits.Labels.Save(run.File("labels.json"));
            source.Tokenizer.Save(run.File("tokenizer"));
        });
        var classifier = BuildClassifier(spec, source, splits.Labels.Count);
        var (trainable, total) = classifier.ParameterCounts;
        log.WriteLine($"Fine-tuning ({spec.Finetune.Method.ToString().ToLowerInvariant()}, {classifier.Options.Pooling.ToString().ToLowerInvariant()} pooling): {trainable:N0} of {total:N0} parameters trainable; " +
            $"{splits.Labels.Count} labels ({string.Join(", ", splits.Labels.Labels)}); {splits.Train.Count}/{splits.Validation.Count}/{splits.Test.Count} train/validation/test examples.");
        if (classifier.Options.Pooling == Pooling.Last && source.Body.IsCausal && source.Parent is not null)
            log.WriteLine("Warning: last pooling reads the state at the appended end-of-text token, which pretraining used to separate documents: it carries little of the text. Mean pooling (the default) does not rely on it.");
        spec = spec with { Finetune = spec.Finetune with { Pooling = classifier.Options.Pooling } }; // recorded, so evaluate rebuilds the same head
        var (train, validation, test) = Loaders(spec, source, splits, log);

        using var trainer = CreateTrainer(spec, run, source, classifier, log);
        var fit = trainer.Fit(classifier, train, validation, resume: spec.Resume, allowChangedConfig: spec.AllowConfigChange);
        var testMetrics = fit.Interrupted ? new Dictionary<string, double>() : trainer.Test(classifier, test);
        if (Ranks.World.IsLeader && !fit.Interrupted) WriteConfusion(run, splits.Labels, classifier.TestConfusion); // only a test that ran has a matrix
        return (run, Summarise(run, fit, testMetrics, classifier, source, started));
    }

    /// <summary>Reads the labelled data and splits it (seeded by <c>data.split_seed</c>, else <c>seed</c>); a label budget samples the training split by <c>seed</c>.</summary>
    internal static Splits ReadSplits(FinetuneSpec spec)
    {
        var data = spec.Data.Path ?? throw new ConfigException("run", ["data.path: required. Pass --data with a labelled TSV/CSV/JSONL file or a per-class folder."]);
        if (spec.From is null) throw new ConfigException("run", ["from: required. Pass --from RUN_FOLDER (a pretraining run), a checkpoint or HuggingFace folder, or scratch."]);
        var examples = LabeledData.Read(data, new LabeledDataOptions(spec.Data.TextColumn, spec.Data.LabelColumn));
        var (train, validation, test) = LabeledData.StratifiedSplit(examples, spec.Data.ValFraction, spec.Data.TestFraction, spec.Data.SplitSeed ?? spec.Seed);
        if (train.Count == 0 || validation.Count == 0 || test.Count == 0)
            throw new ConfigException("run", [$"data.path: {examples.Count} examples in {data} are too few to split into train/validation/test with fractions {spec.Data.ValFraction.ToString(CultureInfo.InvariantCulture)}/{spec.Data.TestFraction.ToString(CultureInfo.InvariantCulture)}."]);
        var labels = LabelMap.FromExamples(examples);
        return new Splits(labels, Budget(spec, train, labels), validation, test, train);
    }

    static List<LabeledExample> Budget(FinetuneSpec spec, List<LabeledExample> train, LabelMap labels)
    {
        if (spec.Data.TrainExamples is not { } budget) return train;
        if (budget > train.Count)
            throw new ConfigException("run", [$"data.train_examples: {budget} is more than the {train.Count} examples of the training split of {spec.Data.Path}. Pass at most {train.Count}, or drop --data.train-examples to use them all."]);
        if (budget < labels.Count)
            throw new ConfigException("run", [$"data.train_examples: {budget} cannot hold one example of each of the {labels.Count} labels ({string.Join(", ", labels.Labels)}). Pass at least {labels.Count}."]);
        return LabeledData.StratifiedSample(train, budget, spec.Seed);
    }

    static SequenceClassifier BuildClassifier(FinetuneSpec spec, PretrainedSource source, int classes)
    {
        var f = spec.Finetune;
        var pooling = f.Pooling ?? Pooling.Mean; // robust for every body: no reliance on a [CLS] a trained BPE lacks, or on an EOS pretraining used as a separator
        double lr = spec.Optimizer.Lr ?? (f.Method is FinetuneMethod.Full or FinetuneMethod.Gradual ? 1e-4 : 1e-3);
        return new SequenceClassifier(source.Body, new ClassifierOptions(classes, pooling, spec.Model.Dropout, f.LmCoef, f.Method, lr, spec.Optimizer.WeightDecay,
            f.DiscriminativeFactor, f.LoraRank, 16, f.AdapterSize, spec.Optimizer.Warmup, spec.Optimizer.MinLrRatio, spec.Optimizer.Beta2, f.Schedule));
    }

    static (ClassificationLoader Train, ClassificationLoader Validation, ClassificationLoader Test) Loaders(FinetuneSpec spec, PretrainedSource source, Splits splits, TextWriter log)
    {
        var specials = source.Tokenizer.Specials;
        int maxLength = Math.Min(spec.Data.MaxLength, source.Body.ContextLength);
        if (maxLength < spec.Data.MaxLength) log.WriteLine($"Texts are cut to {maxLength} tokens, the body's context length.");
        var options = new ClassificationLoaderOptions(spec.Data.BatchSize, maxLength, Seed: spec.Seed, BucketByLength: true,
            PrependToken: source.Body.IsCausal ? null : specials.Cls, AppendToken: source.Body.IsCausal ? specials.Eos : specials.Sep);
        var world = Ranks.World; // training: each rank takes its share of every global batch; evaluation: every rank scores all of it
        return (new ClassificationLoader(splits.Train, source.Tokenizer, splits.Labels, options with { Rank = world.Rank, WorldSize = world.WorldSize }),
            new ClassificationLoader(splits.Validation, source.Tokenizer, splits.Labels, options with { Shuffle = false }),
            new ClassificationLoader(splits.Test, source.Tokenizer, splits.Labels, options with { Shuffle = false }));
    }

    static Trainer CreateTrainer(FinetuneSpec spec, RunFolder run, PretrainedSource source, SequenceClassifier classifier, TextWriter log)
    {
        var t = spec.Trainer;
        int? epochs = t.MaxEpochs ?? (t.MaxSteps is null && t.MaxMinutes is null ? 3 : null); // three epochs unless another budget was given
        var exactness = new Dictionary<string, string> { ["tokenizer"] = source.Tokenizer.Fingerprint, ["data.full_path"] = Path.GetFullPath(spec.Data.Path!) };
        var extra = spec.Finetune.Method == FinetuneMethod.Gradual ? new Callback[] { new GradualUnfreezing(classifier) } : [];
        return TrainingSetup.Trainer(spec, spec.Checkpoint, run, t.ToOptions(spec, maxEpochs: epochs), MetricNames.ValAccuracy, MonitorMode.Max, exactness, log, extra);
    }

    static void WriteConfusion(RunFolder run, LabelMap labels, long[,] confusion) =>
        File.WriteAllText(run.File("confusion.json"), System.Text.Json.JsonSerializer.Serialize(new
        {
            labels = labels.Labels,
            matrix = Enumerable.Range(0, labels.Count).Select(t => Enumerable.Range(0, labels.Count).Select(p => confusion[t, p]).ToArray()).ToArray(),
        }));

    /// <summary>The summary of a run interrupted before fine-tuning started (during its adaptation).</summary>
    static RunSummary Interrupted(RunFolder run, DateTimeOffset started)
    {
        var summary = new RunSummary
        {
            Name = run.Name, Kind = RunKind.Finetune.Name(), Status = RunStatus.Interrupted, StopReason = "interrupted during target-domain adaptation",
            GitCommit = RunFolder.GitCommit(), Started = started, Finished = DateTimeOffset.UtcNow,
        };
        if (Ranks.World.IsLeader) summary.Write(run.Path);
        return summary;
    }

    /// <summary>A measured value, or null (written as null, never as "NaN") when it was not measured.</summary>
    static double? Measured(IReadOnlyDictionary<string, double> metrics, string name) => metrics.TryGetValue(name, out var v) ? v : null;

    static RunSummary Summarise(RunFolder run, FitResult fit, IReadOnlyDictionary<string, double> testMetrics, SequenceClassifier classifier, PretrainedSource source, DateTimeOffset started)
    {
        var (trainable, total) = classifier.ParameterCounts;
        var summary = new RunSummary
        {
            Name = run.Name, Kind = RunKind.Finetune.Name(), Status = TrainingSetup.Status(fit), Params = total, TrainableParams = trainable, Tokens = fit.Tokens,
            WallSeconds = fit.Elapsed.TotalSeconds, TokensPerSecond = fit.Elapsed.TotalSeconds > 0 ? fit.Tokens / fit.Elapsed.TotalSeconds : 0, FinalStep = fit.Steps,
            ValLoss = Measured(fit.LastValidation, MetricNames.ValLoss), ValAccuracy = Measured(fit.LastValidation, MetricNames.ValAccuracy),
            TestAccuracy = Measured(testMetrics, MetricNames.TestAccuracy), StopReason = fit.StopReason,
            Metrics = fit.LastValidation.Concat(testMetrics).ToDictionary(), TokenizerFingerprint = source.Tokenizer.Fingerprint, Parent = source.Parent,
            GitCommit = RunFolder.GitCommit(), Started = started, Finished = DateTimeOffset.UtcNow,
        };
        if (Ranks.World.IsLeader) summary.Write(run.Path);
        return summary;
    }
}
