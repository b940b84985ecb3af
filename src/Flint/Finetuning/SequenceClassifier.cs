using Flint.Metrics;
using Flint.Models;
using Flint.Optim;
using Flint.Optim.Schedules;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Finetuning;

/// <summary>Options of a <see cref="SequenceClassifier"/>.</summary>
/// <param name="Classes">Number of classes.</param>
/// <param name="Pooling">How hidden states are pooled.</param>
/// <param name="Dropout">Dropout before the classification layer.</param>
/// <param name="LmCoefficient">Weight of an auxiliary next-token loss on the inputs (the tutorial uses one); 0 turns it off. Causal bodies only.</param>
/// <param name="Method">Which parameters train.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="WeightDecay">Decoupled weight decay on weight matrices.</param>
/// <param name="DiscriminativeFactor">Each layer group below the top trains at LR ÷ this factor per step down (ULMFiT: 2.6); 1 turns it off.</param>
/// <param name="LoraRank">LoRA rank.</param>
/// <param name="LoraAlpha">LoRA α.</param>
/// <param name="AdapterSize">Adapter bottleneck width.</param>
/// <param name="WarmupFraction">Fraction of the steps spent warming the LR up.</param>
/// <param name="MinLrRatio">Cosine decay floor as a fraction of the peak LR.</param>
/// <param name="Beta2">Adam's β₂.</param>
/// <param name="Schedule">The LR's shape after warmup.</param>
public sealed record ClassifierOptions(
    int Classes, Pooling Pooling = Pooling.Last, double Dropout = 0.1, double LmCoefficient = 0.0, FinetuneMethod Method = FinetuneMethod.Full,
    double LearningRate = 1e-4, double WeightDecay = 0.01, double DiscriminativeFactor = 1.0, int LoraRank = 8, double LoraAlpha = 16, int AdapterSize = 64,
    double WarmupFraction = 0.1, double MinLrRatio = 0.0, double Beta2 = 0.999, LrShape Schedule = LrShape.Cosine);

/// <summary>
/// A classification head on any pretrained body (<see cref="ITextEncoder"/>): pool, dropout, linear. Fine-tuning method,
/// discriminative LRs and an optional auxiliary LM loss come from <see cref="ClassifierOptions"/>.
/// </summary>
public sealed class SequenceClassifier : FlintModule<ClassificationBatch>
{
    readonly nn.Module body;
    readonly Dropout dropout;
    readonly Linear classifier;
    readonly Accuracy _valAccuracy = new(), _testAccuracy = new();
    readonly ConfusionMatrix _testConfusion;

    /// <summary>Wraps <paramref name="encoder"/> (an nn.Module implementing <see cref="ITextEncoder"/>) and applies the fine-tuning method.</summary>
    public SequenceClassifier(ITextEncoder encoder, ClassifierOptions options) : base("classifier")
    {
        if (encoder is not nn.Module module) throw new ArgumentException("The encoder must be a TorchSharp module.", nameof(encoder));
        if (options.Classes < 2) throw new ArgumentOutOfRangeException(nameof(options), options.Classes, "A classifier needs at least two classes.");
        if (options.LmCoefficient > 0 && !encoder.IsCausal)
            throw new ArgumentException("The auxiliary LM loss predicts the next token, which needs a causal body; set LmCoefficient to 0 for an encoder.", nameof(options));
        body = module;
        Options = options;
        dropout = nn.Dropout(options.Dropout);
        classifier = nn.Linear(encoder.Width, options.Classes);
        _testConfusion = new ConfusionMatrix(options.Classes);
        RegisterComponents();
        using (no_grad())
        {
            nn.init.normal_(classifier.weight!, 0, 0.02);
            nn.init.zeros_(classifier.bias!);
        }
        ApplyMethod();
    }

    /// <summary>The options.</summary>
    public ClassifierOptions Options { get; }

    /// <summary>The body.</summary>
    public ITextEncoder Encoder => (ITextEncoder)body; // the registered module itself: no second field, so its tensors are saved once

    /// <summary>(trainable, total) parameters now.</summary>
    public (long Trainable, long Total) ParameterCounts => Peft.Count(this);

    /// <summary>Class logits (B, K) for a batch.</summary>
    public Tensor Logits(ClassificationBatch batch) => Logits(batch, out _);

    Tensor Logits(ClassificationBatch batch, out Tensor hidden)
    {
        hidden = Encoder.Encode(batch.Input, batch.AttentionMask); // (B, T, C)
        Tensor pooled = Options.Pooling switch
        {
            Pooling.Last => hidden.gather(1, (batch.Lengths - 1).view(-1, 1, 1).expand(-1, 1, hidden.shape[2])).squeeze(1),
            Pooling.First => hidden[.., 0],
            _ => (hidden * batch.AttentionMask.unsqueeze(-1)).sum(1) / batch.AttentionMask.sum(1, keepdim: true),
        };
        return classifier.call(dropout.call(pooled));
    }

    /// <inheritdoc />
    public override StepOutput TrainingStep(ClassificationBatch batch, LoopContext ctx)
    {
        var logits = Logits(batch, out var hidden);
        var loss = F.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum);
        long samples = batch.Labels.shape[0];
        if (Options.LmCoefficient > 0)
        {
            // Next-token loss on the inputs, real tokens only: (B, T-1) predictions of positions 1..T-1.
            var lmLogits = Encoder.LmLogits(hidden[.., ..^1]);
            var targets = batch.Input[.., 1..].masked_fill(batch.AttentionMask[.., 1..].eq(0), -100);
            var lm = F.cross_entropy(lmLogits.flatten(0, 1), targets.flatten(), ignore_index: -100);
            ctx.Log.Log("train/lm_loss", lm);
            loss = loss + Options.LmCoefficient * lm * samples;
        }
        return StepOutput.Sum(loss, samples, samples, batch.Input.numel());
    }

    /// <inheritdoc />
    public override StepOutput ValidationStep(ClassificationBatch batch, LoopContext ctx) => Evaluate(batch, ctx, Stage.Validate.Prefix(), _valAccuracy, null);

    /// <inheritdoc />
    public override StepOutput TestStep(ClassificationBatch batch, LoopContext ctx) => Evaluate(batch, ctx, Stage.Test.Prefix(), _testAccuracy, _testConfusion);

    StepOutput Evaluate(ClassificationBatch batch, LoopContext ctx, string stage, Accuracy accuracy, ConfusionMatrix? confusion)
    {
        var logits = Logits(batch);
        accuracy.Update(logits, batch.Labels);
        ctx.Log.Log($"{stage}/accuracy", accuracy);
        if (confusion is not null)
        {
            confusion.Update(logits, batch.Labels);
            ctx.Log.Log($"{stage}/scores", confusion);
        }
        long samples = batch.Labels.shape[0];
        return StepOutput.Sum(F.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum), samples, samples);
    }

    /// <summary>The last completed test run's confusion matrix [true, predicted] (all zeros before any).</summary>
    public long[,] TestConfusion => _testConfusion.LastComputed.Length == 0 ? new long[_testConfusion.NumClasses, _testConfusion.NumClasses] : _testConfusion.LastComputed;

    /// <summary>
    /// AdamW with weight decay on matrices only, warmup (10% by default) then cosine (one-cycle-like), and — when
    /// <see cref="ClassifierOptions.DiscriminativeFactor"/> is above 1 — an LR that falls by that factor per layer group below the top.
    /// </summary>
    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan)
    {
        var groups = Encoder.LayerGroups.Select(g => new System.Text.RegularExpressions.Regex("^body\\." + g.TrimStart('^'))).ToList();
        double Scale(string name)
        {
            if (Options.DiscriminativeFactor <= 1) return 1.0;
            int index = groups.FindIndex(g => g.IsMatch(name));
            return index < 0 ? 1.0 : Math.Pow(1 / Options.DiscriminativeFactor, groups.Count - index);
        }
        ILrSchedule schedule = plan.TotalSteps is not { } total ? new ConstantSchedule()
            : Options.Schedule == LrShape.Slanted ? new WarmupLinearSchedule(Math.Max(1, (long)(total * Options.WarmupFraction)), total, Options.MinLrRatio)
            : new WarmupCosineSchedule(Math.Max(1, (long)(total * Options.WarmupFraction)), total, Options.MinLrRatio);
        return Optimizers.AdamW(ParameterGroups.WithWeightDecay(this, Options.WeightDecay, Scale, includeFrozen: Options.Method == FinetuneMethod.Gradual),
            lr: Options.LearningRate, beta2: Options.Beta2, schedule: schedule);
    }

    /// <summary>For <see cref="FinetuneMethod.Gradual"/>: makes the top <paramref name="groups"/> layer groups trainable (the head always is).</summary>
    public void UnfreezeTopGroups(int groups)
    {
        var patterns = Encoder.LayerGroups.Select(g => new System.Text.RegularExpressions.Regex(g)).ToList();
        foreach (var (name, p) in body.named_parameters())
        {
            int index = patterns.FindIndex(g => g.IsMatch(name));
            p.requires_grad = index >= 0 && index >= patterns.Count - groups;
        }
    }

    /// <summary>Number of layer groups of the body.</summary>
    public int LayerGroupCount => Encoder.LayerGroups.Count;

    static readonly System.Text.RegularExpressions.Regex LayerNormName = new(@"(^|\.)(ln_\w+|LayerNorm|layer_norms_\d+\.\d+)\.");

    void ApplyMethod()
    {
        switch (Options.Method)
        {
            case FinetuneMethod.Full:
                break;
            case FinetuneMethod.Frozen:
                Peft.Freeze(body, _ => false);
                break;
            case FinetuneMethod.Lora:
                Peft.ApplyLora(body, Encoder.LoraTargets, Options.LoraRank, Options.LoraAlpha);
                Peft.Freeze(body, name => name.StartsWith("lora_", StringComparison.Ordinal));
                break;
            case FinetuneMethod.Adapters:
                Peft.ApplyAdapters(body, Encoder.AdapterTargets, Options.AdapterSize);
                // Houlsby et al. train the LayerNorms with the adapters.
                Peft.Freeze(body, name => name.StartsWith("adapter_", StringComparison.Ordinal) || LayerNormName.IsMatch(name));
                break;
            case FinetuneMethod.Gradual:
                UnfreezeTopGroups(0);
                break;
        }
    }
}
