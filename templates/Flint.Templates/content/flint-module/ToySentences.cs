using static TorchSharp.torch;

namespace MyIdea;

/// <summary>
/// Data you can reason about: "sentences" of token ids where the label says whether positive words (ids 2–9) outnumber
/// negative ones (10–17); everything else is filler. Swap in Flint.Text's loaders for real text.
/// </summary>
public static class ToySentences
{
    public const int Vocabulary = 64;

    public static List<(Tensor Tokens, Tensor Labels)> Batches(int batches, int batchSize, int length, int seed)
    {
        var random = new Random(seed);
        var result = new List<(Tensor, Tensor)>();
        for (int b = 0; b < batches; b++)
        {
            var tokens = new long[batchSize, length];
            var labels = new long[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                labels[i] = random.Next(2);
                int strong = labels[i] == 1 ? 2 : 10, weak = labels[i] == 1 ? 10 : 2;
                for (int t = 0; t < length; t++)
                {
                    double u = random.NextDouble();
                    tokens[i, t] = u < 0.3 ? strong + random.Next(8) : u < 0.35 ? weak + random.Next(8) : 18 + random.Next(Vocabulary - 18);
                }
            }
            result.Add((tensor(tokens), tensor(labels)));
        }
        return result;
    }
}
