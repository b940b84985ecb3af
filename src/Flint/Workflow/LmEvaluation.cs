using Flint.Checkpoints;
using Flint.Config;
using Flint.Models;
using Flint.Text.Corpus;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Flint.Training;

using Flint.Objectives;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// Evaluates a pretraining run the way its training validated: the objective rebuilt from <c>config.yaml</c> with
/// <see cref="PretrainJob.BuildObjective"/> and the run's own tokenizer, <c>checkpoints/last/model.safetensors</c> loaded into
/// it, and <see cref="Trainer.Validate{TBatch}"/> over <see cref="PretrainJob.ValidationLoader"/>'s batches (every full window,
/// in order; the run's batch size and context) under the default evaluation seed. On the run's own validation split this
/// reproduces the final <c>val_loss</c> of <c>summary.json</c> exactly.
/// </summary>
internal static class LmEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="run"/> on <paramref name="dataPath"/>: raw text (tokenized with the run's tokenizer into a
    /// temporary folder, all of it evaluated), a tokenized dataset (its validation split), or, when null, the data the run
    /// validated on (its <c>data/</c> folder, or the tokenized dataset it was given).
    /// </summary>
    public static EvaluationResult Run(RunFolder run, string? dataPath)
    {
        var spec = PretrainSpecOf(run);
        var weights = LastWeights(run);
        var tokenizer = Tokenizers.Load(run.File("tokenizer"));
        var model = PretrainJob.ModelOf(run, tokenizer.VocabSize); // what was built, from model.json
        var (preset, objectiveName) = (model.Preset, model.Objective);
        int context = spec.Data.Context ?? preset.Context, batch = spec.Data.BatchSize;
        var temp = Directory.CreateTempSubdirectory("flint-evaluate-").FullName;
        try
        {
            var (shards, data) = dataPath is null ? ValidationSplit(PretrainJob.DatasetFolder(spec.Data.Path ?? "", run), tokenizer, run)
                : File.Exists(Path.Combine(dataPath, TokenDatasetMeta.FileName)) ? ValidationSplit(dataPath, tokenizer, run)
                : (Tokenize(dataPath, tokenizer, spec, Path.Combine(temp, "data")), dataPath.Contains(',') ? dataPath : Path.GetFullPath(dataPath));
            using (shards)
            {
                if (shards.Length - 1 < context)
                    throw new InvalidDataException($"{data}: {shards.Length:N0} tokens, fewer than one window of {context + 1} tokens (the run's context + 1); evaluate more text.");
                var loader = PretrainJob.ValidationLoader(shards, batch, context, required: false, TextWriter.Null)!; // holds a window, so never null

                var (objective, _, _) = PretrainJob.BuildObjective(objectiveName, preset, tokenizer, context, spec.Model.Dropout);
                using var evaluated = new ScoredTokens(objective);
                WeightLoader.LoadFile(objective, weights, strict: true); // the Trainer checkpointed the whole objective, under its own names
                using var trainer = new Trainer(new TrainerOptions { MaxSteps = 1, ProgressBar = false, Runtime = spec.Trainer.ToOptions(spec).Runtime });
                var metrics = trainer.Validate(evaluated, loader);

                long? scored = objectiveName == Objective.Electra ? null : (long)metrics["val/scored"]; // electra's loss is a mean per batch, not per token
                // ValidationLoader's windows are sequential and do not overlap, so their targets are tokens 1 … Windows × context.
                long? words = objectiveName == Objective.Clm ? WordCount.Of(shards, 1, loader.Windows * context, tokenizer) : null;
                var scores = new LmScores(objectiveName.ToString().ToLowerInvariant(), metrics["val/loss"], (long)metrics["val/tokens"], scored, words, loader.Windows, context);
                var logged = metrics.Where(m => m.Key is not ("val/scored" or "val/tokens")).ToDictionary(); // reported as scores.Tokens/TokensScored
                return new EvaluationResult(run.Path, RunKind.Pretrain.Name(), data, logged, scores);
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The run's pretraining settings, read back from its <c>config.yaml</c>.</summary>
    static PretrainSpec PretrainSpecOf(RunFolder run)
    {
        try
        {
            return run.Spec<PretrainSpec>();
        }
        catch (ConfigException e)
        {
            throw new InvalidDataException($"{run.File("config.yaml")} does not read as a pretraining config of this Flint version: {e.Message}", e);
        }
    }

    static string LastWeights(RunFolder run)
    {
        var checkpoint = Path.Combine(run.Checkpoints, "last");
        if (CheckpointStore.Problem(checkpoint) is { } problem)
            throw new InvalidDataException(
                $"{run.Path} has no checkpoint to evaluate ({problem}). Finish or continue its pretraining first: flint pretrain --out {run.Path} --resume last (plus the same options).");
        return Path.Combine(checkpoint, "model.safetensors");
    }

    /// <summary>The validation split of a tokenized dataset, checked to hold ids of the run's tokenizer.</summary>
    static (TokenShards Shards, string Data) ValidationSplit(string dataset, ITokenizer tokenizer, RunFolder run)
    {
        if (!File.Exists(Path.Combine(dataset, TokenDatasetMeta.FileName)))
            throw new FileNotFoundException(
                $"{run.Path}: the data it validated on is gone: {dataset} is not a tokenized dataset (relative paths are read from the current folder). " +
                "Pass --data with text to evaluate on.", dataset);
        var meta = TokenDatasetMeta.Read(dataset);
        if (meta.TokenizerFingerprint != tokenizer.Fingerprint)
            throw new InvalidDataException(
                $"{dataset} was tokenized with a {meta.TokenizerKind} tokenizer (fingerprint {meta.TokenizerFingerprint[..12]}…) that differs from {run.File("tokenizer")} " +
                $"({tokenizer.Kind}, {tokenizer.Fingerprint[..12]}…): its ids would mean other tokens. Pass the raw text as --data instead.");
        return (TokenShards.Open(dataset, "val"), $"{Path.GetFullPath(dataset)} (validation split)");
    }

    /// <summary>
    /// Tokenizes raw text with the run's tokenizer into <paramref name="folder"/>, all of it in one split: with a validation
    /// fraction of 0 every document lands in <c>train</c>, which is then evaluated like a validation split.
    /// </summary>
    static TokenShards Tokenize(string dataPath, ITokenizer tokenizer, PretrainSpec spec, string folder)
    {
        var inputs = dataPath.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        TokenizeJob.Run(CorpusReader.ExpandInputs(inputs), tokenizer, folder, new TokenizeOptions(ValidationFraction: 0), new CorpusOptions(spec.Data.TextField));
        return TokenShards.Open(folder, "train");
    }
}
