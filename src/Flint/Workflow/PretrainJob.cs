using System.Diagnostics;
using System.Globalization;
using Flint.Config;
using Flint.Models;
using Flint.Objectives;
using Flint.Text.Corpus;
using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary>
/// <c>flint pretrain</c>: corpus → tokenizer → shards → model → self-supervised objective → run folder. Sensible defaults
/// for everything but the data; it says what it picked.
/// </summary>
public static class PretrainJob
{
    /// <summary>Runs pretraining as configured, writing progress to <paramref name="log"/>; returns the run's summary.</summary>
    public static (RunFolder Run, RunSummary Summary) Run(RunConfig c, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        var data = c.String("data") ?? throw new ConfigException("run", ["data: required. Pass --data with a corpus file/folder or a tokenized dataset."]);
        var preset = ModelPresets.Get(c["model.preset"]);
        var objectiveName = c["objective"];
        if (objectiveName == "clm" && preset.Architecture == "bert") throw new ConfigException("run", [$"model.preset: '{preset.Name}' is an encoder; clm needs a decoder preset."]);
        // A budget picked automatically is recorded in config.yaml; a resumed run keeps it (exactness depends on it).
        if (!c.Has("trainer.max_steps") && c.Has("resume") && c.String("out") is { } previous && File.Exists(Path.Combine(previous, "config.yaml"))
            && RunFolder.Existing(previous).ConfigValue("trainer.max_steps") is { Length: > 0 } recorded)
            c = c.With("trainer.max_steps", recorded);
        var run = RunFolder.Open(c.String("out"), "pretrain", c.Has("resume"), c);
        log.WriteLine($"Run folder: {run.Path}");
        return Tracking.RunTracking.Track(run, () => Train(c, run, data, preset, objectiveName, started, log));
    }

    static (RunFolder Run, RunSummary Summary) Train(RunConfig c, RunFolder run, string data, ModelPreset preset, string objectiveName, DateTimeOffset started, TextWriter log)
    {

        // Data: a tokenized dataset is used as is; raw text is tokenized into the run folder once (reused on resume).
        var inputs = data.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string dataset = DatasetFolder(data, run);
        if (dataset != data && !File.Exists(Path.Combine(dataset, TokenDatasetMeta.FileName)))
        {
            var tokenizer = ChooseTokenizer(c, preset, inputs, log);
            var result = TokenizeJob.Run(CorpusReader.ExpandInputs(inputs), tokenizer, dataset,
                new TokenizeOptions(c.Double("data.val_fraction") ?? 0.05, c.Long("seed") ?? 0, Overwrite: true), new CorpusOptions(c["data.text_field"]));
            log.WriteLine($"Tokenized {result.Meta.Bytes / 1e6:F1} MB into {result.Meta.Splits["train"].Tokens:N0} training and {result.Meta.Splits["val"].Tokens:N0} validation tokens ({tokenizer.Kind}, vocabulary {tokenizer.VocabSize:N0}); {result.Meta.DescribeValidation()}.");
        }
        using var trainShards = TokenShards.Open(dataset, "train");
        using var valShards = TokenShards.Open(dataset, "val");
        var tokenizerUsed = trainShards.LoadTokenizer();
        tokenizerUsed.Save(run.File("tokenizer"));
        int context = Context(c, preset);
        int batch = BatchSize(c);
        long seed = c.Long("seed") ?? 0;

        manual_seed(seed);
        var (objective, model, flops) = BuildObjective(objectiveName, preset, tokenizerUsed, context, c.Double("model.dropout") ?? 0);
        objective.Optimization = TrainingSetup.Optimizer(c, defaultLr: preset.Name == "char-small" ? 1e-3 : 6e-4);
        var train = new LmLoader(trainShards, new LmLoaderOptions(batch, context, Seed: seed));
        var validation = ValidationLoader(valShards, batch, context, c, log);

        long? steps = c.Long("trainer.max_steps");
        if (steps is null && !c.Has("trainer.max_epochs") && !c.Has("trainer.max_minutes"))
        {
            double minutes = c.Double("trainer.auto_minutes") ?? 5;
            double perStep = MeasureStepSeconds(objective, new LmLoader(trainShards, new LmLoaderOptions(batch, context, Seed: seed)));
            steps = Math.Max(10, (long)(minutes * 60 / perStep));
            log.WriteLine($"No budget given: measured {perStep:F2} s per step, so training {steps:N0} steps (about {minutes:G3} minutes). Set --trainer.max-steps to choose.");
            c = c.With("trainer.max_steps", steps.Value.ToString(CultureInfo.InvariantCulture));
            run.WriteConfig("pretrain", c);
            manual_seed(seed + 1); // the measurement drew random numbers; start training from a known state
        }
        var options = TrainingSetup.Options(c, maxSteps: steps) with
        {
            ValidateEveryNSteps = validation is null ? null : c.Long("trainer.val_every") ?? (steps is { } s ? Math.Max(1, s / 5) : null),
        };
        var exactness = new Dictionary<string, string>
        {
            ["model.preset"] = preset.Name, ["objective"] = objectiveName, ["data.batch_size"] = batch.ToString(CultureInfo.InvariantCulture),
            ["data.context"] = context.ToString(CultureInfo.InvariantCulture), ["tokenizer"] = tokenizerUsed.Fingerprint,
        };
        using var trainer = TrainingSetup.Trainer(c, run, options, validation is null ? null : "val/loss", "min", exactness);
        long parameters = ((nn.Module)model).parameters().Sum(p => p.numel());
        log.WriteLine($"Pretraining a {preset.Name} {(model.IsCausal ? "decoder" : "encoder")} ({parameters:N0} parameters, {flops / 1e6:F1} MFLOPs/token) with {objectiveName} on batches of {batch} × {context} tokens.");
        var fit = trainer.Fit(objective, train, validation, resume: c.String("resume"), allowChangedConfig: c.Bool("allow_config_change"));
        if (trainer.ResumeMessage is { } message) log.WriteLine(message);

        var summary = new RunSummary
        {
            Name = run.Name, Kind = "pretrain", Status = TrainingSetup.Status(fit), Params = parameters, TrainableParams = parameters,
            Tokens = fit.Tokens, WallSeconds = fit.Elapsed.TotalSeconds, TokensPerSecond = fit.Elapsed.TotalSeconds > 0 ? fit.Tokens / fit.Elapsed.TotalSeconds : 0,
            FinalStep = fit.Steps, ValLoss = fit.LastValidation.TryGetValue("val/loss", out var v) ? v : null, StopReason = fit.StopReason,
            Metrics = fit.LastValidation.ToDictionary(), TokenizerFingerprint = tokenizerUsed.Fingerprint, GitCommit = RunFolder.GitCommit(),
            Started = started, Finished = DateTimeOffset.UtcNow,
        };
        summary.Write(run.Path);
        return (run, summary);
    }

    /// <summary>The tokenized dataset a run reads: <paramref name="data"/> itself when it is one, else the run's own <c>data/</c> (tokenized from raw text).</summary>
    internal static string DatasetFolder(string data, RunFolder run) =>
        data.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 1 && File.Exists(Path.Combine(data, TokenDatasetMeta.FileName)) ? data : run.File("data");

    /// <summary>Tokens per window: <c>data.context</c>, or the preset's context.</summary>
    internal static int Context(RunConfig c, ModelPreset preset) => (int)(c.Long("data.context") ?? preset.Context);

    /// <summary>Windows per batch (<c>data.batch_size</c>).</summary>
    internal static int BatchSize(RunConfig c) => (int)(c.Long("data.batch_size") ?? 16);

    /// <summary>
    /// Every full window of the validation split, in order (the last batch may be smaller), or null when the split holds
    /// less than one window; then validation is off, which is said, and asking for it by <c>--trainer.val-every</c> is an error.
    /// </summary>
    internal static LmLoader? ValidationLoader(TokenShards valShards, int batch, int context, RunConfig c, TextWriter log)
    {
        if (valShards.Length - 1 >= context) return new LmLoader(valShards, new LmLoaderOptions(batch, context, Shuffle: false, DropLast: false));
        var why = $"the validation split of {valShards.Directory} has {valShards.Length:N0} tokens, fewer than one window of {context + 1}";
        if (c.Has("trainer.val_every"))
            throw new ConfigException("run", [$"trainer.val_every: {why}. Raise --data.val-fraction, shorten --data.context, or drop --trainer.val-every."]);
        log.WriteLine($"No validation: {why} (raise --data.val-fraction to get one).");
        return null;
    }

    /// <summary>The tokenizer <c>--tokenizer</c> names (with <c>auto</c> resolved for the preset), trained on the corpus when needed.</summary>
    internal static ITokenizer ChooseTokenizer(RunConfig c, ModelPreset preset, string[] inputs, TextWriter log)
    {
        var name = c["tokenizer"];
        if (name == "auto") name = preset.Name == "char-small" ? "char" : "train-bpe:4096";
        var files = CorpusReader.ExpandInputs(inputs);
        if (name == "char")
        {
            log.WriteLine("Tokenizer: one id per character of the corpus.");
            return CharTokenizer.FromCorpus(CorpusReader.Read(files, new CorpusOptions(c["data.text_field"]), new CorpusReport()).Select(d => d.Text));
        }
        if (name.StartsWith("train-bpe:", StringComparison.Ordinal))
        {
            int size = int.Parse(name["train-bpe:".Length..], CultureInfo.InvariantCulture);
            var watch = Stopwatch.StartNew();
            var bpe = BpeTrainer.Train(CorpusReader.Read(files, new CorpusOptions(c["data.text_field"]), new CorpusReport()).Select(d => d.Text), size);
            log.WriteLine($"Tokenizer: trained a {bpe.VocabSize:N0}-token byte-level BPE on the corpus in {watch.Elapsed.TotalSeconds:F1} s (small vocabularies keep a small model fast).");
            return bpe;
        }
        return Tokenizers.FromName(name);
    }

    /// <summary>Builds the objective for <paramref name="name"/> with a model of <paramref name="preset"/>'s size.</summary>
    internal static (FlintModule<LmBatch> Objective, ITextEncoder Model, double Flops) BuildObjective(string name, ModelPreset preset, ITokenizer tokenizer, int context, double dropout)
    {
        int vocab = tokenizer.VocabSize;
        var shaped = preset with { Context = Math.Max(preset.Context, context) };
        double flops = shaped.FlopsPerToken(vocab);
        switch (name)
        {
            case "clm":
                ITextEncoder decoder = preset.Architecture == "tutorial" ? new TutorialTransformer(shaped.ToTutorial(vocab, dropout)) : new Gpt(shaped.ToGpt(vocab, dropout));
                return (new CausalLmObjective(decoder, flops), decoder, flops);
            case "mlm":
            {
                var bert = new Bert(shaped.ToBert(vocab, dropout));
                return (new MaskedLmObjective(bert, Masking(tokenizer, vocab)), bert, flops);
            }
            default:
            {
                var discriminator = new Bert(shaped.ToBert(vocab, dropout));
                var generatorShape = shaped with { Layers = Math.Max(1, shaped.Layers / 3) };
                var generator = new Bert(generatorShape.ToBert(vocab, dropout), discriminator.Embeddings);
                return (new ElectraObjective(generator, discriminator, Masking(tokenizer, vocab)), discriminator, flops * 1.4);
            }
        }
    }

    static MlmMasking Masking(ITokenizer tokenizer, int vocab)
    {
        var mask = tokenizer.Specials.Mask ?? throw new ConfigException("run", [$"tokenizer: the {tokenizer.Kind} tokenizer has no mask token; use auto, char, train-bpe:N or wordpiece for mlm/electra."]);
        Tensor? continuation = null;
        if (tokenizer is WordPieceTokenizer wordPiece)
            continuation = tensor(Enumerable.Range(0, vocab).Select(wordPiece.IsContinuation).ToArray()).DetachFromDisposeScope();
        return new MlmMasking(mask, vocab, tokenizer.Specials.All.ToList(), 0.15, continuation);
    }

    static double MeasureStepSeconds(FlintModule<LmBatch> objective, LmLoader loader)
    {
        using var scope = NewDisposeScope();
        var batch = loader.First();
        var ctx = new LoopContext(new TrainerState(), new TrainerControl(), new Logging.MetricLog(), CPU);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var output = objective.TrainingStep(batch, ctx);
                (output.LossSum / output.Count).backward();
            }
            if (i > 0) best = Math.Min(best, watch.Elapsed.TotalSeconds * 1.15); // + optimizer and logging
        }
        objective.zero_grad();
        return best;
    }
}
