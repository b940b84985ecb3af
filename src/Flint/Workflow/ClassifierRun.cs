using Flint.Checkpoints;
using Flint.Finetuning;
using Flint.Text.Data;
using Flint.Text.Tokenizers;
using TorchSharp;

namespace Flint.Workflow;

/// <summary>Rebuilds a fine-tuned classifier from its run folder (architecture, method, head, weights, labels, tokenizer).</summary>
public static class ClassifierRun
{
    /// <summary>Loads the classifier of a finished fine-tuning run.</summary>
    public static (SequenceClassifier Classifier, LabelMap Labels, ITokenizer Tokenizer) Load(RunFolder run)
    {
        if (run.ConfigValue("kind") != "finetune") throw new InvalidDataException($"{run.Path} is not a fine-tuning run (kind: {run.ConfigValue("kind")}).");
        var labels = LabelMap.Load(run.File("labels.json"));
        var from = run.ConfigValue("from") ?? "scratch";
        var source = PretrainedSource.Resolve(from == "scratch" ? "scratch" : from, run.ConfigValue("architecture_of") is { Length: > 0 } a ? a : null,
            run.ConfigValue("model.preset") ?? "small", null, 0.0, loadWeights: false); // the fine-tuned checkpoint below holds every weight
        var method = Enum.Parse<FinetuneMethod>(run.ConfigValue("finetune.method") ?? "full", ignoreCase: true);
        var pooling = run.ConfigValue("finetune.pooling") is { Length: > 0 } p ? Enum.Parse<Pooling>(p, ignoreCase: true) : source.Body.IsCausal ? Pooling.Last : Pooling.First;
        var classifier = new SequenceClassifier(source.Body, new ClassifierOptions(labels.Count, pooling, 0.0, 0.0, method,
            LoraRank: int.Parse(run.ConfigValue("finetune.lora_rank") ?? "8", System.Globalization.CultureInfo.InvariantCulture),
            AdapterSize: int.Parse(run.ConfigValue("finetune.adapter_size") ?? "64", System.Globalization.CultureInfo.InvariantCulture)));
        var checkpoint = Path.Combine(run.Checkpoints, "last");
        if (CheckpointStore.Problem(checkpoint) is { } problem) throw new InvalidDataException($"{run.Path}: no usable checkpoint ({problem}).");
        WeightLoader.LoadFile(classifier, Path.Combine(checkpoint, "model.safetensors"));
        classifier.eval();
        return (classifier, labels, Tokenizers.Load(run.File("tokenizer")));
    }
}
