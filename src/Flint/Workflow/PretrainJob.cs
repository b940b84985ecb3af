using System.Diagnostics;
using System.Globalization;
using Flint.Checkpoints;
using Flint.Config;
using Flint.Logging;
using Flint.Models;
using Flint.Objectives;
using Flint.Text.Corpus;
using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Flint.Tracking;
using Flint.Training;
using Flint.Workflow.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary>
/// <c>flint pretrain</c>: corpus → tokenizer → shards → model → self-supervised objective → run folder. Sensible defaults
/// for everything but the data; it says what it picked.
/// </summary>
public static class PretrainJob
{
    /// <summary>Runs pretraining as specified, writing progress to <paramref name="log"/>; returns the run's summary.</summary>
    public static (RunFolder Run, RunSummary Summary) Run(PretrainSpec spec, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        spec = Checked(KeepRecordedBudget(spec));
        var run = Ranks.OpenRun(spec.Out, RunKind.Pretrain, spec.Resume is not null, spec, log);
        log.WriteLine($"Run folder: {run.Path}");
        return Ranks.Track(run, () => Train(spec, run, started, log));
    }

    static (RunFolder Run, RunSummary Summary) Train(PretrainSpec spec, RunFolder run, DateTimeOffset started, TextWriter log)
    {
        string dataset = "";
        Ranks.LeaderThenAll(() => dataset = PrepareCorpus(spec, run, log));
        if (!Ranks.World.IsLeader) dataset = DatasetFolder(spec.Data.Path!, run);
        using var trainShards = TokenShards.Open(dataset, "train");
        using var valShards = TokenShards.Open(dataset, "val");
        var tokenizer = trainShards.LoadTokenizer();
        Ranks.LeaderThenAll(() => tokenizer.Save(run.File("tokenizer")));
        var preset = PresetOf(spec);
        int context = Context(spec, preset);

        manual_seed(spec.Seed);
        var (objective, model, flops) = BuildObjective(spec.Objective, preset, tokenizer, context, spec.Model.Dropout);
        if (spec.From is { } from) StartFrom(objective, from, log);
        if (Ranks.World.IsLeader) new ModelRecord(spec.Objective, Shaped(preset, context), tokenizer.VocabSize).Write(run.Path);
        objective.Optimization = spec.Optimizer.ToDefaults(defaultLr: preset.Name == "char-small" ? 1e-3 : 6e-4);
        var world = Ranks.World; // each rank reads its share of every global batch of batch_size × ranks windows
        var train = new LmLoader(trainShards, new LmLoaderOptions(spec.Data.BatchSize, context, Seed: spec.Seed, Rank: world.Rank, WorldSize: world.WorldSize));
        var validation = ValidationLoader(valShards, spec.Data.BatchSize, context, spec.Trainer.ValEvery is not null, log);
        spec = ChooseBudget(spec, run, objective, train, log);

        using var trainer = CreateTrainer(spec, run, validation is not null, tokenizer, context, log);
        long parameters = ((nn.Module)model).parameters().Sum(p => p.numel());
        log.WriteLine($"Pretraining a {preset.Name} {(model.IsCausal ? "decoder" : "encoder")} ({parameters:N0} parameters, {flops / 1e6:F1} MFLOPs/token) with {spec.Objective.ToString().ToLowerInvariant()} on batches of {spec.Data.BatchSize} × {context} tokens.");
        var fit = trainer.Fit(objective, train, validation, resume: spec.Resume, allowChangedConfig: spec.AllowConfigChange);
        return (run, Summarise(run, fit, parameters, tokenizer, started, spec.From is { } parent ? Path.GetFullPath(parent) : null));
    }

    /// <summary>Refuses what cannot work before any work starts.</summary>
    static PretrainSpec Checked(PretrainSpec spec)
    {
        if (spec.Data.Path is null) throw new ConfigException("run", ["data.path: required. Pass --data with a corpus file/folder or a tokenized dataset."]);
        if (spec.From is not null) spec = Continuing(spec);
        var preset = PresetOf(spec);
        if (spec.Objective == Objective.Clm && preset.Architecture == Architecture.Bert)
            throw new ConfigException("run", [$"model.preset: '{preset.Name}' is an encoder; clm needs a decoder preset."]);
        var t = spec.Trainer;
        if (Ranks.World.WorldSize > 1 && t.MaxSteps is null && t.MaxEpochs is null && t.MaxMinutes is null && spec.Resume is null)
            throw new ConfigException("run", ["trainer.max_steps: required when running on several processes (each would time its own steps and pick a different budget). Pass --trainer.max-steps N."]);
        return spec;
    }

    /// <summary>
    /// <c>--from RUN</c>: the objective and model are the run's (recorded as such in this run's config.yaml); a context
    /// longer than the model's positions is refused.
    /// </summary>
    static PretrainSpec Continuing(PretrainSpec spec)
    {
        var record = SourceModel(SourceRun(spec.From!));
        if (spec.Data.Context is { } context && context > record.Preset.Context)
            throw new ConfigException("run", [$"data.context: {context} is longer than the {record.Preset.Context} positions of the model in {spec.From}. Pass at most {record.Preset.Context}."]);
        return spec with { Objective = record.Objective, Model = spec.Model with { Preset = record.Preset.Name }, Data = spec.Data with { Context = spec.Data.Context ?? record.Preset.Context } };
    }

    /// <summary>The pretraining run <c>--from</c> names, with a valid last checkpoint.</summary>
    static RunFolder SourceRun(string from)
    {
        if (!File.Exists(Path.Combine(from, RunFolder.ConfigFile)))
            throw new ConfigException("run", [$"from: {from} is not a run folder (no {RunFolder.ConfigFile}). Pass a pretraining run made by flint pretrain."]);
        var run = RunFolder.Existing(from);
        if (run.Kind != RunKind.Pretrain) throw new ConfigException("run", [$"from: {from} is a {run.ConfigValue("kind")} run; continued pretraining starts from a pretraining run."]);
        if (CheckpointStore.Problem(Path.Combine(run.Checkpoints, "last")) is { } problem)
            throw new ConfigException("run", [$"from: {from} has no usable checkpoint ({problem}). Finish or resume its pretraining first."]);
        return run;
    }

    /// <summary>The model preset as built: <c>--from</c>'s recorded shape, else the named preset.</summary>
    static ModelPreset PresetOf(PretrainSpec spec)
    {
        return spec.From is { } from ? SourceModel(RunFolder.Existing(from)).Preset : ModelPresets.Get(spec.Model.Preset);
    }

    /// <summary>What <paramref name="source"/> built: its model.json, read without loading its tokenizer unless the run predates the file.</summary>
    static ModelRecord SourceModel(RunFolder source) => ModelRecord.Read(source.Path) ?? ModelOf(source, Tokenizers.Load(source.File("tokenizer")).VocabSize);

    /// <summary>Loads every weight of the objective (body, heads, generator) from <paramref name="from"/>'s last checkpoint, strictly.</summary>
    static void StartFrom(FlintModule<LmBatch> objective, string from, TextWriter log)
    {
        var checkpoint = Path.Combine(RunFolder.Existing(from).Checkpoints, "last");
        var report = WeightLoader.LoadFile(objective, Path.Combine(checkpoint, "model.safetensors"), strict: true);
        log.WriteLine($"Starting from {report.Loaded.Count} tensors of {from} ({checkpoint}).");
    }

    /// <summary>A budget picked automatically is recorded in config.yaml; a resumed run keeps it (exactness depends on it).</summary>
    static PretrainSpec KeepRecordedBudget(PretrainSpec spec)
    {
        if (spec.Trainer.MaxSteps is not null || spec.Resume is null || spec.Out is not { } previous || !File.Exists(Path.Combine(previous, RunFolder.ConfigFile)))
            return spec;
        return RunFolder.Existing(previous).Spec<PretrainSpec>().Trainer.MaxSteps is { } recorded ? spec with { Trainer = spec.Trainer with { MaxSteps = recorded } } : spec;
    }

    /// <summary>A tokenized dataset is used as is; raw text is tokenized into the run folder once (reused on resume).</summary>
    internal static string PrepareCorpus(PretrainSpec spec, RunFolder run, TextWriter log)
    {
        var dataset = DatasetFolder(spec.Data.Path!, run);
        if (dataset == spec.Data.Path) return dataset;
        var inputs = Inputs(spec.Data.Path!);
        if (File.Exists(Path.Combine(dataset, TokenDatasetMeta.FileName)))
        {
            // Reused on resume only if it is what these settings would make; else remade, unless a checkpoint was trained on it.
            var meta = TokenDatasetMeta.Read(dataset);
            var sources = CorpusReader.ExpandInputs(inputs).Select(Path.GetFullPath).Order(StringComparer.Ordinal);
            bool same = meta.Sources.Select(Path.GetFullPath).Order(StringComparer.Ordinal).SequenceEqual(sources) && meta.ValidationFraction == spec.Data.ValFraction && meta.Seed == spec.Seed;
            if (same) return dataset;
            if (Directory.Exists(Path.Combine(run.Checkpoints, "last")))
                throw new ConfigException("run", [$"data.path: {run.Path} was trained on {string.Join(", ", meta.Sources)} (validation fraction {meta.ValidationFraction.ToString(CultureInfo.InvariantCulture)}, seed {meta.Seed}); resuming on other data would not continue that run. Pass the same --data, or choose another --out."]);
            log.WriteLine($"The corpus changed since {dataset} was tokenized and no step was trained on it: tokenizing again.");
        }
        var tokenizer = ChooseTokenizer(spec, PresetOf(spec), inputs, log);
        var result = TokenizeJob.Run(CorpusReader.ExpandInputs(inputs), tokenizer, dataset,
            new TokenizeOptions(spec.Data.ValFraction, spec.Seed, Overwrite: true), new CorpusOptions(spec.Data.TextField));
        if (result.RemovedLeftovers.Count > 0) log.WriteLine($"Removed {string.Join(", ", result.RemovedLeftovers)} (left by an interrupted tokenization).");
        log.WriteLine($"Tokenized {result.Meta.Bytes / 1e6:F1} MB into {result.Meta.Splits["train"].Tokens:N0} training and {result.Meta.Splits["val"].Tokens:N0} validation tokens ({tokenizer.Kind}, vocabulary {tokenizer.VocabSize:N0}); {result.Meta.DescribeValidation()}.");
        return dataset;
    }

    /// <summary>With no step, epoch or time budget: time a few steps and train for <c>trainer.auto_minutes</c>, recording the steps.</summary>
    static PretrainSpec ChooseBudget(PretrainSpec spec, RunFolder run, FlintModule<LmBatch> objective, LmLoader train, TextWriter log)
    {
        var t = spec.Trainer;
        if (t.MaxSteps is not null || t.MaxEpochs is not null || t.MaxMinutes is not null) return spec;
        double perStep;
        using (var probe = new Trainer(t.ToOptions(spec, maxSteps: 1) with { ProgressBar = false }))
            perStep = probe.EstimateStepSeconds(objective, train);
        long steps = Math.Max(10, (long)(t.AutoMinutes * 60 / perStep));
        log.WriteLine($"No budget given: measured {perStep:F2} s per step, so training {steps:N0} steps (about {t.AutoMinutes:G3} minute{(t.AutoMinutes == 1 ? "" : "s")}). Set --trainer.max-steps to choose.");
        spec = spec with { Trainer = t with { MaxSteps = steps } };
        run.WriteConfig(RunKind.Pretrain, spec);
        return spec;
    }

    static Trainer CreateTrainer(PretrainSpec spec, RunFolder run, bool validates, ITokenizer tokenizer, int context, TextWriter log)
    {
        var steps = spec.Trainer.MaxSteps;
        var options = spec.Trainer.ToOptions(spec) with
        {
            ValidateEveryNSteps = validates ? spec.Trainer.ValEvery ?? (steps is { } s ? Math.Max(1, s / 5) : null) : null,
        };
        var exactness = new Dictionary<string, string> { ["data.context"] = context.ToString(CultureInfo.InvariantCulture), ["tokenizer"] = tokenizer.Fingerprint };
        return TrainingSetup.Trainer(spec, spec.Checkpoint, run, options, validates ? MetricNames.ValLoss : null, MonitorMode.Min, exactness, log);
    }

    static RunSummary Summarise(RunFolder run, FitResult fit, long parameters, ITokenizer tokenizer, DateTimeOffset started, string? parent)
    {
        var summary = new RunSummary
        {
            Name = run.Name, Kind = RunKind.Pretrain.Name(), Status = TrainingSetup.Status(fit), Params = parameters, TrainableParams = parameters,
            Tokens = fit.Tokens, WallSeconds = fit.Elapsed.TotalSeconds, TokensPerSecond = fit.Elapsed.TotalSeconds > 0 ? fit.Tokens / fit.Elapsed.TotalSeconds : 0,
            FinalStep = fit.Steps, ValLoss = fit.LastValidation.TryGetValue(MetricNames.ValLoss, out var v) ? v : null, StopReason = fit.StopReason,
            Metrics = fit.LastValidation.ToDictionary(), TokenizerFingerprint = tokenizer.Fingerprint, Parent = parent, GitCommit = RunFolder.GitCommit(),
            Started = started, Finished = DateTimeOffset.UtcNow,
        };
        if (Ranks.World.IsLeader) summary.Write(run.Path);
        return summary;
    }

    static string[] Inputs(string data) => data.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The tokenized dataset a run reads: <paramref name="data"/> itself when it is one, else the run's own <c>data/</c> (tokenized from raw text).</summary>
    internal static string DatasetFolder(string data, RunFolder run) =>
        Inputs(data).Length == 1 && File.Exists(Path.Combine(data, TokenDatasetMeta.FileName)) ? data : run.File("data");

    /// <summary>The preset as built for windows of <paramref name="context"/> tokens (positions widened, never narrowed).</summary>
    static ModelPreset Shaped(ModelPreset preset, int context) => preset with { Context = Math.Max(preset.Context, context) };

    /// <summary>
    /// What a pretraining run built: its <c>model.json</c>, or, for a run written before runs recorded their model, the same
    /// record derived from its settings (preset widened to its context; <paramref name="vocabSize"/> from its tokenizer).
    /// </summary>
    internal static ModelRecord ModelOf(RunFolder run, int vocabSize)
    {
        if (ModelRecord.Read(run.Path) is { } record) return record;
        var spec = run.Spec<PretrainSpec>();
        var preset = PresetOf(spec);
        return new ModelRecord(spec.Objective, Shaped(preset, Context(spec, preset)), vocabSize);
    }

    /// <summary>Tokens per window: <c>data.context</c>, or the preset's context.</summary>
    internal static int Context(PretrainSpec spec, ModelPreset preset) => spec.Data.Context ?? preset.Context;

    /// <summary>
    /// Every full window of the validation split, in order (the last batch may be smaller), or null when the split holds
    /// less than one window; then validation is off, which is said, and asking for it by <c>--trainer.val-every</c> is an error.
    /// </summary>
    internal static LmLoader? ValidationLoader(TokenShards valShards, int batch, int context, bool required, TextWriter log)
    {
        if (valShards.Length - 1 >= context) return new LmLoader(valShards, new LmLoaderOptions(batch, context, Shuffle: false, DropLast: false));
        var why = $"the validation split of {valShards.Directory} has {valShards.Length:N0} tokens, fewer than one window of {context + 1}";
        if (required)
            throw new ConfigException("run", [$"trainer.val_every: {why}. Raise --data.val-fraction, shorten --data.context, or drop --trainer.val-every."]);
        log.WriteLine($"No validation: {why} (raise --data.val-fraction to get one).");
        return null;
    }

    /// <summary>The tokenizer <c>--tokenizer</c> names (with <c>auto</c> resolved for the preset), trained on the corpus when needed.</summary>
    internal static ITokenizer ChooseTokenizer(PretrainSpec spec, ModelPreset preset, string[] inputs, TextWriter log)
    {
        if (spec.From is { } from)
        {
            log.WriteLine($"Tokenizer: the one {from} was trained with.");
            return Tokenizers.Load(Path.Combine(from, "tokenizer"));
        }
        var name = spec.Tokenizer;
        var corpus = new CorpusOptions(spec.Data.TextField);
        if (name == "auto") name = preset.Name == "char-small" ? "char" : "train-bpe:4096";
        var files = CorpusReader.ExpandInputs(inputs);
        if (name == "char")
        {
            log.WriteLine("Tokenizer: one id per character of the corpus.");
            return CharTokenizer.FromCorpus(CorpusReader.Read(files, corpus, new CorpusReport()).Select(d => d.Text));
        }
        if (name.StartsWith("train-bpe:", StringComparison.Ordinal))
        {
            int size = int.Parse(name["train-bpe:".Length..], CultureInfo.InvariantCulture);
            var watch = Stopwatch.StartNew();
            var bpe = BpeTrainer.Train(CorpusReader.Read(files, corpus, new CorpusReport()).Select(d => d.Text), size);
            log.WriteLine($"Tokenizer: trained a {bpe.VocabSize:N0}-token byte-level BPE on the corpus in {watch.Elapsed.TotalSeconds:F1} s (small vocabularies keep a small model fast).");
            return bpe;
        }
        return Tokenizers.FromName(name);
    }

    /// <summary>Builds <paramref name="objective"/> with a model of <paramref name="preset"/>'s size.</summary>
    internal static (FlintModule<LmBatch> Objective, ITextEncoder Model, double Flops) BuildObjective(Objective objective, ModelPreset preset, ITokenizer tokenizer, int context, double dropout)
    {
        int vocab = tokenizer.VocabSize;
        var shaped = Shaped(preset, context);
        double flops = shaped.FlopsPerToken(vocab);
        switch (objective)
        {
            case Objective.Clm:
                ITextEncoder decoder = preset.Architecture == Architecture.Tutorial ? new TutorialTransformer(shaped.ToTutorial(vocab, dropout)) : new Gpt(shaped.ToGpt(vocab, dropout));
                return (new CausalLmObjective(decoder, flops), decoder, flops);
            case Objective.Mlm:
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
}
