using System.Diagnostics;
using System.Globalization;
using Flint.Models;
using Flint.Objectives;
using Flint.Optim;
using Flint.Runtime;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// Training tokens/s of the <c>char-small</c> and <c>small</c> presets through the Trainer, and MFU: achieved FLOP/s
/// (preset FLOPs per token × tokens/s) over this machine's fp32 GEMM peak measured in the same run.
/// </summary>
internal sealed class ThroughputBenchmark : IBenchmark
{
    public string Name => "throughput";
    public string Description => "Training tokens/s and MFU (vs measured GEMM peak) for presets char-small and small.";

    public int Run(string[] args)
    {
        // The peak is the best fp32 GEMM rate at any of the sizes a small transformer's matmuls span (best-of: noise only slows).
        double peak = new[] { 256, 512, 1024, 2048 }.Max(n => GemmProbe.Measure(n, n >= 2048 ? 4 : 12).GFlops) * 1e9;
        Console.WriteLine($"fp32 GEMM peak {peak / 1e9:F1} GFLOP/s, {get_num_threads()} threads");
        (double Tokens, double Mfu) last = default;
        foreach (var (preset, vocab, batch) in new[] { ("char-small", 65, 12), ("small", 4096, 16) })
        {
            last = Measure(ModelPresets.Get(preset), vocab, batch, peak);
            Console.WriteLine($"{preset} (vocab {vocab}, batch {batch}): {last.Tokens:F0} tokens/s, MFU {last.Mfu:F3}");
            var (perParameter, multiTensor) = (OptimizerStepMs(ModelPresets.Get(preset), vocab, false), OptimizerStepMs(ModelPresets.Get(preset), vocab, true));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  AdamW step + zero_grad: per-parameter {perParameter:F2} ms, multi-tensor {multiTensor:F2} ms"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tokens_per_s={last.Tokens:F0} mfu={last.Mfu:F3} preset=small peak_gflops={peak / 1e9:F1}"));
        return 0;
    }

    /// <summary>Median time of an AdamW step and zero_grad on the preset's parameters (random gradients), in ms.</summary>
    static double OptimizerStepMs(ModelPreset preset, int vocab, bool multiTensor)
    {
        var model = new Gpt(preset.ToGpt(vocab));
        foreach (var p in model.parameters()) p.grad = randn_like(p);
        using var setup = Optimizers.AdamW(ParameterGroups.WithWeightDecay(model, 0.01), multiTensor: multiTensor);
        var times = new List<double>();
        for (int i = 0; i < 25; i++)
        {
            var start = Stopwatch.GetTimestamp();
            setup.Optimizer.step();
            setup.Optimizer.zero_grad();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return times.Skip(5).Order().ElementAt(10);
    }

    static (double Tokens, double Mfu) Measure(ModelPreset preset, int vocab, int batch, double peak)
    {
        const int warmup = 3, steps = 12;
        manual_seed(0);
        var model = new Gpt(preset.ToGpt(vocab));
        var objective = new CausalLmObjective(model, preset.FlopsPerToken(vocab));
        var data = Enumerable.Range(0, 4).Select(_ => randint(0, vocab, [batch, preset.Context + 1])).Select(x => new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous())).ToList();
        var times = new List<double>();
        long started = 0;
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = warmup + steps, ProgressBar = false, LogEveryNSteps = 50, SanityValidationBatches = 0 });
        trainer.Events.BatchStarted.Subscribe((_, _) => started = Stopwatch.GetTimestamp());
        trainer.Events.BatchEnded.Subscribe((_, _) => times.Add(Stopwatch.GetElapsedTime(started).TotalSeconds));
        trainer.Fit(objective, Enumerable.Range(0, warmup + steps).Select(i => data[i % data.Count]).ToList());
        var median = times.Skip(warmup).Order().ElementAt(steps / 2);
        double tokens = batch * preset.Context / median, bestTokens = batch * preset.Context / times.Skip(warmup).Min();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  best step (best-of, like the peak): {bestTokens:F0} tokens/s, MFU {bestTokens * preset.FlopsPerToken(vocab) / peak:F3}"));
        return (tokens, tokens * preset.FlopsPerToken(vocab) / peak);
    }
}
