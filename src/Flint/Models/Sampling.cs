using static TorchSharp.torch;

namespace Flint.Models;

/// <summary>Choosing the next token from logits: greedy, temperature, top-k and nucleus (top-p) sampling.</summary>
public static class Sampling
{
    /// <summary>The next token id from (V) <paramref name="logits"/>.</summary>
    public static long Next(Tensor logits, double temperature, int? topK, double? topP, Generator? generator = null)
    {
        if (temperature < 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be 0 (greedy) or more.");
        if (temperature == 0) return logits.argmax().item<long>();
        using var scope = NewDisposeScope();
        var scaled = logits.to_type(ScalarType.Float32) / temperature;
        if (topK is { } k && k > 0 && k < scaled.shape[0])
        {
            var kth = scaled.topk(k).values[-1];
            scaled = scaled.masked_fill(scaled < kth, double.NegativeInfinity);
        }
        if (topP is { } p && p is > 0 and < 1)
        {
            var (sorted, order) = scaled.sort(descending: true);
            var cumulative = sorted.softmax(0).cumsum(0);
            // Drop tokens once the mass before them already reaches p (the first token always stays).
            var drop = (cumulative - sorted.softmax(0)) >= p;
            scaled = scaled.scatter(0, order, sorted.masked_fill(drop, double.NegativeInfinity));
        }
        return multinomial(scaled.softmax(0), 1, generator: generator).item<long>();
    }
}
