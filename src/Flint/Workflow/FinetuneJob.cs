using System.Globalization;
using Flint.Config;
using Flint.Finetuning;
using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using Flint.Training.Callbacks;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary><c>flint finetune</c>: a pretrained body (or scratch) + a classification head on labelled data; validation and test accuracy.</summary>
public static class FinetuneJob
{
    /// <summary>Runs fine-tuning as configured; returns the run's summary.</summary>
    public static (RunFolder Run, RunSummary Summary) Run(RunConfig c, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        var data = c.String("data") ?? throw new ConfigException("run", ["data: required. Pass --data with a labelled TSV/CSV/JSONL file or a per-class folder."]);
        var from = c.String("from") ?? throw new ConfigException("run", ["from: required. Pass --from RUN_FOLDER (a pretraining run), a checkpoint or HuggingFace folder, or scratch."]);
        long seed = c.Long("seed") ?? 0;
        var examples = LabeledData.Read(data, new LabeledDataOptions(c["data.text_column"], c["data.label_column"]));
        var labels = LabelMap.FromExamples(examples);
        var (trainSet, validationSet, testSet) = LabeledData.StratifiedSplit(examples, c.Double("data.val_fraction") ?? 0.1, c.Double("data.test_fraction") ?? 0.1, seed);
        if (trainSet.Count == 0 || validationSet.Count == 0 || testSet.Count == 0)
            throw new ConfigException("run", [$"data: {examples.Count} examples are too few to split into train/validation/test with fractions {c["data.val_fraction"]}/{c["data.test_fraction"]}."]);

        manual_seed(seed);
        var source = PretrainedSource.Resolve(from, c.String("architecture_of"), c["model.preset"], c.String("tokenizer"), c.Double("model.dropout") ?? 0.1);
        var run = RunFolder.Open(c.String("out"), "finetune", c.Has("resume"), c);
        log.WriteLine($"Run folder: {run.Path}");
        return Tracking.RunTracking.Track(run, () => Train(c, run, source, labels, trainSet, validationSet, testSet, from, seed, data, started, log));
    }

    static (RunFolder Run, RunSummary Summary) Train(RunConfig c, RunFolder run, PretrainedSource source, LabelMap labels, List<LabeledExample> trainSet,
        List<LabeledExample> validationSet, List<LabeledExample> testSet, string from, long seed, string data, DateTimeOffset started, TextWriter log)
    {
        log.WriteLine($"Body: {source.LoadReport}.");
        labels.Save(run.File("labels.json"));
        source.Tokenizer.Save(run.File("tokenizer"));

        var pooling = c.String("finetune.pooling") is { } p ? Enum.Parse<Pooling>(p, ignoreCase: true) : source.Body.IsCausal ? Pooling.Last : Pooling.First;
        var method = Enum.Parse<FinetuneMethod>(c["finetune.method"], ignoreCase: true);
        var classifier = new SequenceClassifier(source.Body, new ClassifierOptions(labels.Count, pooling, c.Double("model.dropout") ?? 0.1, c.Double("finetune.lm_coef") ?? 0,
            method, c.Double("optimizer.lr") ?? (method is FinetuneMethod.Full or FinetuneMethod.Gradual ? 1e-4 : 1e-3), c.Double("optimizer.weight_decay") ?? 0.01,
            c.Double("finetune.discriminative_factor") ?? 1.0, (int)(c.Long("finetune.lora_rank") ?? 8), 16, (int)(c.Long("finetune.adapter_size") ?? 64)));
        var (trainable, total) = classifier.ParameterCounts;
        log.WriteLine($"Fine-tuning ({method.ToString().ToLowerInvariant()}, {pooling.ToString().ToLowerInvariant()} pooling): {trainable:N0} of {total:N0} parameters trainable; {labels.Count} labels ({string.Join(", ", labels.Labels)}); {trainSet.Count}/{validationSet.Count}/{testSet.Count} train/validation/test examples.");

        var specials = source.Tokenizer.Specials;
        int maxLength = (int)Math.Min(c.Long("data.max_length") ?? 64, source.Body.ContextLength);
        if (maxLength < (c.Long("data.max_length") ?? 64)) log.WriteLine($"Texts are cut to {maxLength} tokens, the body's context length.");
        var loaderOptions = new ClassificationLoaderOptions((int)(c.Long("data.batch_size") ?? 32), maxLength, Seed: seed, BucketByLength: true,
            PrependToken: source.Body.IsCausal ? null : specials.Cls, AppendToken: source.Body.IsCausal ? specials.Eos : specials.Sep);
        var train = new ClassificationLoader(trainSet, source.Tokenizer, labels, loaderOptions);
        var validation = new ClassificationLoader(validationSet, source.Tokenizer, labels, loaderOptions with { Shuffle = false });
        var test = new ClassificationLoader(testSet, source.Tokenizer, labels, loaderOptions with { Shuffle = false });

        var options = TrainingSetup.Options(c, maxEpochs: c.Has("trainer.max_steps") || c.Has("trainer.max_minutes") ? (int?)c.Long("trainer.max_epochs") : (int)(c.Long("trainer.max_epochs") ?? 3))
            with { LimitValidationBatches = null };
        var exactness = new Dictionary<string, string>
        {
            ["from"] = from, ["finetune.method"] = method.ToString(), ["data.batch_size"] = loaderOptions.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["tokenizer"] = source.Tokenizer.Fingerprint, ["data"] = Path.GetFullPath(data),
        };
        var extra = method == FinetuneMethod.Gradual ? new Callback[] { new GradualUnfreezing(classifier) } : [];
        using var trainer = TrainingSetup.Trainer(c, run, options, "val/accuracy", "max", exactness, extra);
        var fit = trainer.Fit(classifier, train, validation, resume: c.String("resume"), allowChangedConfig: c.Bool("allow_config_change"));
        if (trainer.ResumeMessage is { } message) log.WriteLine(message);
        var testMetrics = TrainingSetup.Status(fit) == "finished" ? trainer.Test(classifier, test) : new Dictionary<string, double>();
        var confusion = classifier.TestConfusion;
        File.WriteAllText(run.File("confusion.json"), System.Text.Json.JsonSerializer.Serialize(new
        {
            labels = labels.Labels,
            matrix = Enumerable.Range(0, labels.Count).Select(t => Enumerable.Range(0, labels.Count).Select(pr => confusion[t, pr]).ToArray()).ToArray(),
        }));

        var summary = new RunSummary
        {
            Name = run.Name, Kind = "finetune", Status = TrainingSetup.Status(fit), Params = total, TrainableParams = trainable, Tokens = fit.Tokens,
            WallSeconds = fit.Elapsed.TotalSeconds, TokensPerSecond = fit.Elapsed.TotalSeconds > 0 ? fit.Tokens / fit.Elapsed.TotalSeconds : 0, FinalStep = fit.Steps,
            ValLoss = fit.LastValidation.GetValueOrDefault("val/loss", double.NaN), ValAccuracy = fit.LastValidation.GetValueOrDefault("val/accuracy", double.NaN),
            TestAccuracy = testMetrics.GetValueOrDefault("test/accuracy", double.NaN), StopReason = fit.StopReason,
            Metrics = fit.LastValidation.Concat(testMetrics).ToDictionary(), TokenizerFingerprint = source.Tokenizer.Fingerprint, Parent = source.Parent,
            GitCommit = RunFolder.GitCommit(), Started = started, Finished = DateTimeOffset.UtcNow,
        };
        summary.Write(run.Path);
        return (run, summary);
    }
}
