using Flint.Models;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Samples.NewObjective;

/// <summary>What a step hands to callbacks: the detector's logits and the labels, (B) each. Valid during the handlers only.</summary>
public sealed record Detection(Tensor Logits, Tensor Labels);

/// <summary>
/// Shuffled-span detection, jointly with next-token prediction: the body predicts the next token of clean windows (a
/// token-level loss over their tokens) and a per-window detector says whether a span was shuffled (a sequence-level loss
/// over windows, from how surprised the body is by each next input token). Two loss terms with different denominators,
/// combined exactly; the detector's outputs go to callbacks.
/// </summary>
public sealed class ShuffledSpanObjective : FlintModule<SpanBatch>
{
    readonly nn.Module body;
    readonly TorchSharp.Modules.Linear detector;
    readonly ITextEncoder _encoder;

    /// <summary>Wraps <paramref name="encoder"/> (e.g. a <see cref="Gpt"/>); the detection loss weighs <paramref name="detectWeight"/>.</summary>
    public ShuffledSpanObjective(ITextEncoder encoder, double detectWeight) : base("shuffled_span")
    {
        body = (nn.Module)encoder; // a field named 'body': its weights are saved as body.* in checkpoints
        _encoder = encoder;
        detector = nn.Linear(2, 1);
        DetectWeight = detectWeight;
        RegisterComponents();
        using (no_grad())
        {
            // Start from "a surprise above one nat somewhere flags a break": a random sign would take the short run to unlearn.
            detector.weight!.copy_(tensor(new float[,] { { 0, 1 } }));
            detector.bias!.zero_();
        }
    }

    /// <summary>Weight of the detection term.</summary>
    public double DetectWeight { get; }

    /// <summary>The body, for fine-tuning afterwards.</summary>
    public ITextEncoder Encoder => _encoder;

    /// <inheritdoc />
    public override StepOutput TrainingStep(SpanBatch batch, LoopContext ctx)
    {
        var hidden = _encoder.Encode(batch.Input);                                           // (B, T, C)
        var lmLogits = _encoder.LmLogits(hidden);                                           // (B, T, V)
        var lm = F.cross_entropy(lmLogits.flatten(0, 1), batch.Target.flatten(), ignore_index: SpanBatch.Ignored, reduction: nn.Reduction.Sum);
        // The detector reads the body's surprise at each next input token: a shuffled span breaks what it learned to expect.
        var logProbs = F.log_softmax(lmLogits[.., ..^1], -1);                              // (B, T-1, V)
        var surprise = -logProbs.gather(-1, batch.Input[.., 1..].unsqueeze(-1)).squeeze(-1); // (B, T-1)
        // On a log scale: a trained body's surprise spans orders of magnitude, which a linear detector's bias could not chase.
        var features = stack([surprise.mean([1]), surprise.amax([1])], -1).clamp_min(1e-4).log();  // (B, 2)
        var logits = detector.call(features).squeeze(-1);                                  // (B)
        var detect = F.binary_cross_entropy_with_logits(logits, batch.Shuffled, reduction: nn.Reduction.Sum);
        ctx.Log.Log("shuffled_fraction", batch.Shuffled.mean());                           // train/… or val/…, by the stage that runs the step
        return StepOutput.Combine(
            [new LossTerm("lm", lm, CleanTokens(batch)), new LossTerm("detect", detect, batch.Size, DetectWeight)],
            samples: batch.Size, tokens: batch.Input.numel()) with { Outputs = new Detection(logits.detach(), batch.Shuffled) };
    }

    /// <summary>Each term's count, from the batch alone: what keeps the objective exact when micro-batches are accumulated.</summary>
    public override IReadOnlyDictionary<string, Tensor> CountLossTerms(SpanBatch batch) =>
        new Dictionary<string, Tensor> { ["lm"] = CleanTokens(batch), ["detect"] = tensor(batch.Size) };

    static Tensor CleanTokens(SpanBatch batch) => batch.Target.ne(SpanBatch.Ignored).sum();
}
