using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Samples.CustomObjective;

/// <summary>
/// A custom self-supervised objective in one file: corruption detection. Some tokens of each window are replaced by a
/// random other token, and the model must both predict the next token (causal LM) and spot which inputs were corrupted,
/// through a small linear head on the hidden states. Two losses, one step, plain code.
/// </summary>
public sealed class TokenCorruptionObjective : FlintModule<LmBatch>
{
    readonly nn.Module model;
    readonly TorchSharp.Modules.Linear corruption_head;
    readonly ITextEncoder _encoder;

    public TokenCorruptionObjective(ITextEncoder encoder, double rate = 0.1, double weight = 1.0) : base("corruption")
    {
        model = (nn.Module)encoder;
        _encoder = encoder;
        corruption_head = nn.Linear(encoder.Width, 1);
        Rate = rate;
        Weight = weight;
        RegisterComponents();
    }

    public double Rate { get; }
    public double Weight { get; }

    public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx)
    {
        var corrupt = rand(batch.Input.shape, device: batch.Input.device).lt(Rate);
        var noise = randint(0, _encoder.VocabSize, batch.Input.shape, device: batch.Input.device);
        var input = where(corrupt, noise, batch.Input);
        var hidden = _encoder.Encode(input);                                                   // (B, T, C)

        var lm = F.cross_entropy(_encoder.LmLogits(hidden).flatten(0, 1), batch.Target.flatten()); // mean over tokens
        var detect = F.binary_cross_entropy_with_logits(corruption_head.call(hidden).squeeze(-1), corrupt.to_type(ScalarType.Float32));
        ctx.Log.Log("lm_loss", lm);          // under train/, or val/ when validation reuses this step
        ctx.Log.Log("detection_loss", detect);
        return StepOutput.Mean(lm + Weight * detect, samples: batch.Input.shape[0], tokens: batch.Input.numel());
    }
}
