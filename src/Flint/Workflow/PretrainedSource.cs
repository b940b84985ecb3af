using Flint.Checkpoints;
using Flint.Config;
using Flint.Models;
using Flint.Objectives;
using Flint.Text.Tokenizers;
using Flint.Tracking;
using Flint.Workflow.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary>What <c>--from</c> points at, resolved into a body (with weights), its tokenizer and where it came from.</summary>
public sealed record PretrainedSource(ITextEncoder Body, ITokenizer Tokenizer, string Preset, string? Parent, string LoadReport)
{
    /// <summary>
    /// Resolves <see cref="FinetuneSpec.From"/>: a pretraining run folder, a checkpoint folder inside one, a HuggingFace
    /// BERT, DistilBERT, RoBERTa or GPT-2 folder (config.json, model.safetensors or pytorch_model.bin, tokenizer files; see
    /// <see cref="HuggingFaceSource"/>; <see cref="FinetuneSpec.Weights"/> casts half-precision weights), or <c>scratch</c> (random weights; architecture from
    /// <see cref="FinetuneSpec.ArchitectureOf"/>, or <c>model.preset</c> and <c>tokenizer</c>).
    /// </summary>
    /// <param name="spec">The fine-tuning settings (from, architecture_of, tokenizer, model.preset, model.dropout, weights.dtype).</param>
    /// <param name="loadWeights">False builds the architecture only (the caller loads other weights into it, e.g. a fine-tuned checkpoint).</param>
    public static PretrainedSource Resolve(FinetuneSpec spec, bool loadWeights = true)
    {
        var from = spec.From ?? throw new ConfigException("run", ["from: required. Pass --from RUN_FOLDER (a pretraining run), a checkpoint or HuggingFace folder, or scratch."]);
        if (from == "scratch") return FromScratch(spec);
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"--from {from}: no such folder. Pass a pretraining run, a checkpoint, a HuggingFace folder, or 'scratch'.");
        // A run folder, or a checkpoint inside one (…/checkpoints/last).
        var runPath = File.Exists(Path.Combine(from, RunFolder.ConfigFile)) ? from
            : File.Exists(Path.Combine(from, "..", "..", RunFolder.ConfigFile)) ? Path.GetFullPath(Path.Combine(from, "..", "..")) : null;
        if (runPath is not null) return FromRun(spec, PretrainingRun(runPath, "--from"), runPath == from ? null : from, loadWeights);
        if (HuggingFaceSource.Holds(from)) return HuggingFaceSource.Resolve(spec, loadWeights);
        throw new InvalidDataException($"--from {from} is not a run folder (no config.yaml), a checkpoint folder, or a HuggingFace folder (no model.safetensors or pytorch_model.bin).");
    }

    /// <summary>The run at <paramref name="path"/>, which must be a pretraining run (a body with an LM objective).</summary>
    static RunFolder PretrainingRun(string path, string flag)
    {
        var run = RunFolder.Existing(path);
        if (run.Kind == RunKind.Pretrain) return run;
        var what = run.Kind == RunKind.Finetune ? $"a fine-tuning run (its body came from {run.Spec<FinetuneSpec>().From}; pass that run instead)" : $"a '{run.ConfigValue("kind")}' run";
        throw new InvalidDataException($"{flag} {path}: {what}. {flag} takes a pretraining run made by flint pretrain.");
    }

    /// <summary>Random weights: the architecture and tokenizer of <c>architecture_of</c>'s run, or <c>model.preset</c> with <c>tokenizer</c>.</summary>
    static PretrainedSource FromScratch(FinetuneSpec spec)
    {
        var dropout = spec.Model.Dropout;
        if (spec.ArchitectureOf is { } architectureOf)
        {
            var template = PretrainingRun(architectureOf, "--architecture-of");
            var t = Tokenizers.Load(template.File("tokenizer"));
            Check(t, spec.Tokenizer);
            var built = PretrainJob.ModelOf(template, t.VocabSize);
            return new PretrainedSource(Build(built.Preset, t, built.Objective, dropout), t, built.Preset.Name, null,
                $"random initialisation with the architecture and tokenizer of {template.Name}");
        }
        var tokenizer = Tokenizers.FromName(spec.Tokenizer ?? "gpt2");
        return new PretrainedSource(Build(ModelPresets.Get(spec.Model.Preset), tokenizer, Objective.Clm, dropout), tokenizer, spec.Model.Preset, null, "random initialisation");
    }

    /// <summary>A pretraining run's body (its <c>checkpoints/last</c>, or <paramref name="checkpoint"/>), rebuilt from its <c>model.json</c>.</summary>
    static PretrainedSource FromRun(FinetuneSpec spec, RunFolder run, string? checkpoint, bool loadWeights)
    {
        checkpoint ??= Path.Combine(run.Checkpoints, "last");
        var tokenizer = Tokenizers.Load(run.File("tokenizer"));
        Check(tokenizer, spec.Tokenizer);
        var model = PretrainJob.ModelOf(run, tokenizer.VocabSize);
        var body = Build(model.Preset, tokenizer, model.Objective, spec.Model.Dropout);
        if (!loadWeights) return new PretrainedSource(body, tokenizer, model.Preset.Name, run.Path, $"the architecture of {run.Name}");
        if (CheckpointStore.Problem(checkpoint) is { } problem)
            throw new InvalidDataException($"--from {spec.From}: the run has no usable checkpoint ({problem}). Finish or resume its pretraining first.");
        var prefix = model.Objective == Objective.Electra ? "discriminator." : "model.";
        var report = WeightLoader.LoadFile((nn.Module)body, Path.Combine(checkpoint, "model.safetensors"), strict: true,
            rename: key => key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : null);
        return new PretrainedSource(body, tokenizer, model.Preset.Name, run.Path,
            $"loaded {report.Loaded.Count} tensors of {run.Name} ({model.Objective.ToString().ToLowerInvariant()} pretraining) from {checkpoint}{NotUsed(report)}; added a new classification head");
    }

    /// <summary>What the checkpoint holds that the body does not use (an ELECTRA generator, an LM head), grouped by their first name part.</summary>
    internal static string NotUsed(LoadReport report)
    {
        var notUsed = report.NotUsed; // old checkpoints' _encoder.* aliases of the body are dropped on reading (WeightLoader)
        if (notUsed.Count == 0) return "";
        var groups = notUsed.GroupBy(k => k.Split('.')[0]).Select(g => $"{g.Key}.* ({g.Count()} tensor{(g.Count() == 1 ? "" : "s")})");
        return $"; not used: {string.Join(", ", groups)}";
    }

    static ITextEncoder Build(ModelPreset preset, ITokenizer tokenizer, Objective objective, double dropout) =>
        objective is Objective.Mlm or Objective.Electra ? new Bert(preset.ToBert(tokenizer.VocabSize, dropout))
        : preset.Architecture == Architecture.Tutorial ? new TutorialTransformer(preset.ToTutorial(tokenizer.VocabSize, dropout))
        : new Gpt(preset.ToGpt(tokenizer.VocabSize, dropout));

    static void Check(ITokenizer pretrained, string? requested)
    {
        if (requested is null) return;
        var other = Tokenizers.FromName(requested);
        if (other.Fingerprint != pretrained.Fingerprint)
            throw new InvalidDataException(
                $"--tokenizer {requested} differs from the tokenizer the model was pretrained with ({pretrained.Kind}, fingerprint {pretrained.Fingerprint[..12]}…): " +
                "its ids would mean different tokens. Drop --tokenizer to use the pretrained one.");
    }
}
