using static TorchSharp.torch;

namespace Samples.NewObjective;

/// <summary>
/// A toy language with structure to learn: each window counts upwards by 1 or by 2 (mod 60, ids from 4) from a random
/// start. Corruption happens here, in the data, not in the step: so each loss term's count (clean tokens, windows) is
/// known from the batch before any forward pass, which keeps the two-term objective exact under accumulation.
/// </summary>
public static class SpanData
{
    /// <summary>Vocabulary size (ids 0–3 unused, like special tokens).</summary>
    public const int Vocabulary = 64;

    /// <summary>(B, T+1) counting windows and their strides (1 or 2), drawn from <paramref name="random"/>.</summary>
    public static (long[,] Windows, long[] Strides) Counting(Random random, int batch, int context)
    {
        var windows = new long[batch, context + 1];
        var strides = new long[batch];
        for (int b = 0; b < batch; b++)
        {
            strides[b] = random.Next(1, 3);
            int start = random.Next(60);
            for (int t = 0; t <= context; t++) windows[b, t] = (start + strides[b] * t) % 60 + 4;
        }
        return (windows, strides);
    }

    /// <summary>
    /// <paramref name="count"/> batches for the shuffled-span objective: in each window, with probability
    /// <paramref name="probability"/>, a span of <paramref name="span"/> inputs is permuted (never left as it was).
    /// </summary>
    public static List<SpanBatch> Shuffled(int count, int batch, int context, int span, double probability, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var (windows, _) = Counting(random, batch, context);
            var input = new long[batch, context];
            var target = new long[batch, context];
            var shuffled = new float[batch];
            for (int b = 0; b < batch; b++)
            {
                for (int t = 0; t < context; t++) (input[b, t], target[b, t]) = (windows[b, t], windows[b, t + 1]);
                if (random.NextDouble() >= probability) continue;
                shuffled[b] = 1;
                int from = random.Next(context - span + 1);
                var order = Enumerable.Range(0, span).ToArray();
                while (order.Select((o, i) => o == i).All(same => same)) random.Shuffle(order);
                var original = Enumerable.Range(0, span).Select(i => input[b, from + i]).ToArray();
                for (int i = 0; i < span; i++) input[b, from + i] = original[order[i]];
                for (int t = 0; t < context; t++) target[b, t] = SpanBatch.Ignored;
            }
            return new SpanBatch(tensor(input), tensor(target), tensor(shuffled));
        }).ToList();
    }

    /// <summary>Windows labelled by their stride (0: by 1, 1: by 2), for fine-tuning a classifier.</summary>
    public static List<Flint.Text.Data.ClassificationBatch> Strides(int count, int batch, int context, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var (windows, strides) = Counting(random, batch, context);
            var input = tensor(windows)[.., ..context].contiguous();
            return new Flint.Text.Data.ClassificationBatch(input, ones(batch, context, dtype: ScalarType.Int64), tensor(strides.Select(s => s - 1).ToArray()), full(batch, context, dtype: ScalarType.Int64));
        }).ToList();
    }
}
