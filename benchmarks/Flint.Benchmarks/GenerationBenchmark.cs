using System.Diagnostics;
using System.Globalization;
using Flint.Models;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// Greedy generation tokens/s with the KV cache and without it (the whole prefix recomputed for every new token), for a
/// GPT of width 256, 4 layers and context 1,024, generating the last 32 tokens up to sequence lengths 128, 512 and 1,024.
/// </summary>
internal sealed class GenerationBenchmark : IBenchmark
{
    const int NewTokens = 32;

    public string Name => "generate";
    public string Description => "KV-cache generation: tokens/s with and without the cache at context 128, 512, 1024.";

    public int Run(string[] args)
    {
        var speedups = Measure(Console.WriteLine);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kv_cache_speedup={speedups[512]:F1} (context 512)"));
        return 0;
    }

    /// <summary>Prints a line per context and returns cached ÷ uncached tokens/s by context.</summary>
    public static Dictionary<int, double> Measure(Action<string> print)
    {
        manual_seed(0);
        var model = new Gpt(new GptConfig(4096, 1024, 4, 4, 256));
        model.Generate([1, 2, 3], 4); // warm-up
        var speedups = new Dictionary<int, double>();
        foreach (int context in new[] { 128, 512, 1024 })
        {
            var prompt = randint(4, 4096, [context - NewTokens]).data<long>().ToArray();
            double TokensPerSecond(bool cache)
            {
                var watch = Stopwatch.StartNew();
                var produced = model.Generate(prompt, NewTokens, temperature: 0, useCache: cache).Length - prompt.Length;
                return produced / watch.Elapsed.TotalSeconds;
            }
            double with = TokensPerSecond(true), without = TokensPerSecond(false);
            speedups[context] = with / without;
            print(string.Create(CultureInfo.InvariantCulture,
                $"generate to length {context,4}: {with,8:F1} tokens/s with the KV cache, {without,7:F1} without (prefix recomputed): {with / without:F1}x"));
        }
        return speedups;
    }
}
