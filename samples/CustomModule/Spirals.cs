using static TorchSharp.torch;

namespace Samples.CustomModule;

/// <summary>Two interleaved spirals with a little noise, in batches.</summary>
public static class Spirals
{
    public static List<(Tensor X, Tensor Y)> Batches(int batches, int batchSize, int seed)
    {
        var random = new Random(seed);
        var result = new List<(Tensor, Tensor)>();
        for (int b = 0; b < batches; b++)
        {
            var x = new float[batchSize, 2];
            var y = new long[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                y[i] = random.Next(2);
                double t = random.NextDouble() * 3 * Math.PI, sign = y[i] == 0 ? 1 : -1;
                x[i, 0] = (float)(sign * t * Math.Cos(t) / 10 + random.NextDouble() * 0.1);
                x[i, 1] = (float)(sign * t * Math.Sin(t) / 10 + random.NextDouble() * 0.1);
            }
            result.Add((tensor(x), tensor(y)));
        }
        return result;
    }
}
