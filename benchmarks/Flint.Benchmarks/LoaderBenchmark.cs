using System.Diagnostics;
using System.Globalization;
using Flint.Models;
using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// Can the LM loader keep the default model fed? Batches per second of the loader (background prefetch, tensors made)
/// for the demo model's batch shape, against training steps per second of that model (GPT small, batch 16, context 128).
/// </summary>
internal sealed class LoaderBenchmark : IBenchmark
{
    const int Batch = 16, Context = 128;

    public string Name => "loader";
    public string Description => "LM loader batches/s vs training steps/s of the default model (batch 16, context 128).";

    public int Run(string[] args)
    {
        var temp = Directory.CreateTempSubdirectory("flint-loader-").FullName;
        try
        {
            var gpt2 = new Gpt2Tokenizer();
            TokenizeJob.Run(BenchmarkData.CorpusFiles, gpt2, Path.Combine(temp, "ds"), new TokenizeOptions());
            using var shards = TokenShards.Open(Path.Combine(temp, "ds"));
            var loader = new LmLoader(shards, new LmLoaderOptions(Batch, Context, Seed: 1));

            int loaded = 0;
            var watch = Stopwatch.StartNew();
            foreach (var batch in loader)
            {
                using (batch.Input) using (batch.Target) loaded++;
                if (loaded == 2000) break;
            }
            double loaderPerSecond = loaded / watch.Elapsed.TotalSeconds;

            manual_seed(0);
            var model = new Gpt(GptConfig.Small(gpt2.VocabSize));
            var optimizer = optim.AdamW(model.parameters(), lr: 3e-4);
            var input = randint(0, gpt2.VocabSize, [Batch, Context]);
            int steps = 0;
            watch.Restart();
            while (steps < 4 || watch.Elapsed.TotalSeconds < 10)
            {
                using var scope = NewDisposeScope();
                nn.functional.cross_entropy(model.call(input).view(-1, gpt2.VocabSize), input.view(-1)).backward();
                optimizer.step();
                optimizer.zero_grad();
                steps++;
            }
            double trainPerSecond = steps / watch.Elapsed.TotalSeconds;
            Console.WriteLine($"loader {loaderPerSecond:F0} batches/s over {loaded} batches; GPT small (vocab {gpt2.VocabSize}) trains {trainPerSecond:F2} steps/s");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loader_batches_per_s={loaderPerSecond:F1} train_steps_per_s={trainPerSecond:F3} loader_over_train={loaderPerSecond / trainPerSecond:F0}"));
            return 0;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
