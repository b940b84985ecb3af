using Flint.Optim;
using Flint.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

/// <summary>Inputs and next-token targets; padding positions have target <see cref="TinyTokenModel.Pad"/>.</summary>
public sealed record TokenBatch(Tensor Input, Tensor Target) : IDeviceBatch<TokenBatch>
{
    public TokenBatch To(Device device) => new(Input.to(device), Target.to(device));
}

/// <summary>A token-level model with padding: embedding then a linear head; loss summed over non-padding tokens.</summary>
public sealed class TinyTokenModel : FlintModule<TokenBatch>
{
    public const int Pad = -100;
    readonly Embedding embed;
    readonly Linear head;
    readonly Func<TinyTokenModel, OptimizerPlan, OptimizerSetup>? _configure;

    public TinyTokenModel(int vocab = 11, int width = 8, Func<TinyTokenModel, OptimizerPlan, OptimizerSetup>? configure = null) : base("tiny")
    {
        embed = nn.Embedding(vocab, width);
        head = nn.Linear(width, vocab);
        _configure = configure;
        RegisterComponents();
    }

    public Tensor Logits(Tensor input) => head.call(embed.call(input));

    public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
    {
        var logits = Logits(batch.Input);
        var loss = nn.functional.cross_entropy(logits.flatten(0, 1), batch.Target.flatten(), ignore_index: Pad, reduction: nn.Reduction.Sum);
        var count = batch.Target.ne(Pad).sum();
        return StepOutput.Sum(loss, count, samples: batch.Input.shape[0], tokens: batch.Input.numel());
    }

    public override Tensor PredictStep(TokenBatch batch, LoopContext ctx) => Logits(batch.Input).argmax(-1);

    public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) =>
        _configure?.Invoke(this, plan) ?? base.ConfigureOptimizers(plan);
}

public static class TinyData
{
    /// <summary>Sequences of varying length (padded) whose next token is (token + 1) mod vocab: learnable and padded.</summary>
    public static TokenBatch Tokens(int batch, int length = 6, int vocab = 11, int seed = 1)
    {
        var g = new Random(seed);
        var input = new long[batch, length];
        var target = new long[batch, length];
        for (int b = 0; b < batch; b++)
        {
            int valid = g.Next(2, length + 1);
            for (int t = 0; t < length; t++)
            {
                input[b, t] = g.Next(vocab);
                target[b, t] = t < valid ? (input[b, t] + 1) % vocab : TinyTokenModel.Pad;
            }
        }
        return new TokenBatch(tensor(input), tensor(target));
    }

    /// <summary>Splits one batch into consecutive chunks of <paramref name="size"/> rows.</summary>
    public static List<TokenBatch> Split(TokenBatch whole, int size) =>
        Enumerable.Range(0, (int)(whole.Input.shape[0] / size))
            .Select(i => new TokenBatch(whole.Input[TensorIndex.Slice(i * size, (i + 1) * size)], whole.Target[TensorIndex.Slice(i * size, (i + 1) * size)]))
            .ToList();

    public static List<TokenBatch> Batches(int count, int batch, int seed = 1) =>
        Enumerable.Range(0, count).Select(i => Tokens(batch, seed: seed * 1000 + i)).ToList();
}
