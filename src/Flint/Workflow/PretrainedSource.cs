using Flint.Checkpoints;
using Flint.Models;
using Flint.Text.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Workflow;

/// <summary>What <c>--from</c> points at, resolved into a body (with weights), its tokenizer and where it came from.</summary>
public sealed record PretrainedSource(ITextEncoder Body, ITokenizer Tokenizer, string Preset, string? Parent, string LoadReport)
{
    /// <summary>
    /// Resolves <paramref name="from"/>: a pretraining run folder, a checkpoint folder inside one, a HuggingFace GPT-2/BERT
    /// folder (model.safetensors with vocab files), or <c>scratch</c> (random weights; architecture from
    /// <paramref name="architectureOf"/> or <paramref name="preset"/> + <paramref name="tokenizerName"/>).
    /// </summary>
    /// <param name="from">What to start from.</param>
    /// <param name="architectureOf">With <c>scratch</c>: the run whose preset and tokenizer to copy.</param>
    /// <param name="preset">With <c>scratch</c> and no run: the model size.</param>
    /// <param name="tokenizerName">A tokenizer that must match the pretrained one, or null.</param>
    /// <param name="dropout">Dropout of the built body.</param>
    /// <param name="loadWeights">False builds the architecture only (the caller loads other weights into it, e.g. a fine-tuned checkpoint).</param>
    public static PretrainedSource Resolve(string from, string? architectureOf, string preset, string? tokenizerName, double dropout, bool loadWeights = true)
    {
        if (from == "scratch")
        {
            if (architectureOf is not null)
            {
                var template = RunFolder.Existing(architectureOf);
                var (p, t) = (template.ConfigValue("model.preset") ?? preset, Tokenizers.Load(template.File("tokenizer")));
                Check(t, tokenizerName);
                return new PretrainedSource(Build(ModelPresets.Get(p), t, objective: template.ConfigValue("objective") ?? "clm", dropout), t, p, null,
                    $"random initialisation with the architecture and tokenizer of {template.Name}");
            }
            var tokenizer = Tokenizers.FromName(tokenizerName ?? "gpt2");
            return new PretrainedSource(Build(ModelPresets.Get(preset), tokenizer, "clm", dropout), tokenizer, preset, null, "random initialisation");
        }
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"--from {from}: no such folder. Pass a pretraining run, a checkpoint, a HuggingFace folder, or 'scratch'.");

        // A run folder, or a checkpoint inside one (…/checkpoints/last).
        var runPath = File.Exists(Path.Combine(from, "config.yaml")) ? from
            : File.Exists(Path.Combine(from, "..", "..", "config.yaml")) ? Path.GetFullPath(Path.Combine(from, "..", "..")) : null;
        if (runPath is not null)
        {
            var run = RunFolder.Existing(runPath);
            var checkpoint = runPath == from ? Path.Combine(run.Checkpoints, "last") : from;
            var presetName = run.ConfigValue("model.preset") ?? preset;
            var objective = run.ConfigValue("objective") ?? "clm";
            var tokenizer = Tokenizers.Load(run.File("tokenizer"));
            Check(tokenizer, tokenizerName);
            var body = Build(ModelPresets.Get(presetName), tokenizer, objective, dropout);
            if (!loadWeights) return new PretrainedSource(body, tokenizer, presetName, run.Path, $"the architecture of {run.Name}");
            if (CheckpointStore.Problem(checkpoint) is { } problem)
                throw new InvalidDataException($"--from {from}: the run has no usable checkpoint ({problem}). Finish or resume its pretraining first.");
            var prefix = objective == "electra" ? "discriminator." : "model.";
            var report = WeightLoader.LoadFile((nn.Module)body, Path.Combine(checkpoint, "model.safetensors"), strict: true,
                rename: key => key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : null);
            return new PretrainedSource(body, tokenizer, presetName, run.Path,
                $"loaded {report.Loaded.Count} tensors of {run.Name} ({objective} pretraining) from {checkpoint}; added a new classification head");
        }

        var weights = Path.Combine(from, "model.safetensors");
        if (File.Exists(weights))
        {
            var entries = Safetensors.ReadHeader(weights).Entries;
            var names = entries.Select(e => e.Name).ToList();
            if (names.Any(n => n.Contains("attn.c_attn", StringComparison.Ordinal)))
            {
                var wte = entries.First(e => e.Name.EndsWith("wte.weight", StringComparison.Ordinal));
                int layers = names.Where(n => n.Contains(".h.", StringComparison.Ordinal)).Select(n => int.Parse(n.Split(".h.")[1].Split('.')[0], System.Globalization.CultureInfo.InvariantCulture)).Max() + 1;
                var wpe = entries.First(e => e.Name.EndsWith("wpe.weight", StringComparison.Ordinal));
                int width = (int)wte.Shape[1];
                var gpt = new Gpt(new GptConfig((int)wte.Shape[0], (int)wpe.Shape[0], layers, Math.Max(1, width / 64), width, dropout));
                if (!loadWeights) return new PretrainedSource(gpt, new Gpt2Tokenizer(), "gpt2", null, $"the architecture of {from}");
                var report = HuggingFaceWeights.LoadGpt2(gpt, weights);
                return new PretrainedSource(gpt, new Gpt2Tokenizer(), "gpt2", null, $"HuggingFace GPT-2 from {from}: {report.Describe(5)}; the LM head is tied and dropped");
            }
            throw new InvalidDataException($"--from {from}: model.safetensors is not a GPT-2 checkpoint Flint recognises (no attn.c_attn weights).");
        }
        throw new InvalidDataException($"--from {from} is not a run folder (no config.yaml), a checkpoint folder, or a HuggingFace folder (no model.safetensors).");
    }

    static ITextEncoder Build(ModelPreset preset, ITokenizer tokenizer, string objective, double dropout) =>
        objective is "mlm" or "electra" ? new Bert(preset.ToBert(tokenizer.VocabSize, dropout))
        : preset.Architecture == "tutorial" ? new TutorialTransformer(preset.ToTutorial(tokenizer.VocabSize, dropout))
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
