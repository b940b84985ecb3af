using Flint.Checkpoints;
using Flint.Finetuning;
using Flint.Text.Data;
using Flint.Text.Tokenizers;
using Flint.Tracking;
using Flint.Workflow.Specs;
using TorchSharp;

namespace Flint.Workflow;

/// <summary>Rebuilds a fine-tuned classifier from its run folder (architecture, method, head, weights, labels, tokenizer).</summary>
public static class ClassifierRun
{
    /// <summary>Loads the classifier of a finished fine-tuning run.</summary>
    public static (SequenceClassifier Classifier, LabelMap Labels, ITokenizer Tokenizer) Load(RunFolder run)
    {
        if (run.Kind != RunKind.Finetune) throw new InvalidDataException($"{run.Path} is not a fine-tuning run (kind: {run.ConfigValue("kind")}).");
        var labels = LabelMap.Load(run.File("labels.json"));
        var spec = run.Spec<FinetuneSpec>();
        // The architecture only: the fine-tuned checkpoint below holds every weight.
        var source = PretrainedSource.Resolve(spec with { Tokenizer = null, Model = spec.Model with { Dropout = 0 } }, loadWeights: false);
        var f = spec.Finetune; // a null pooling is a run recorded before the resolved pooling was: the defaults then
        var classifier = new SequenceClassifier(source.Body, new ClassifierOptions(labels.Count, f.Pooling ?? (source.Body.IsCausal ? Pooling.Last : Pooling.First), 0.0, 0.0,
            f.Method, LoraRank: f.LoraRank, AdapterSize: f.AdapterSize));
        var checkpoint = Path.Combine(run.Checkpoints, "last");
        if (CheckpointStore.Problem(checkpoint) is { } problem) throw new InvalidDataException($"{run.Path}: no usable checkpoint ({problem}).");
        WeightLoader.LoadFile(classifier, Path.Combine(checkpoint, "model.safetensors"));
        classifier.eval();
        return (classifier, labels, Tokenizers.Load(run.File("tokenizer")));
    }
}
