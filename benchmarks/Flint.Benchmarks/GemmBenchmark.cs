using Flint.Runtime;

namespace Flint.Benchmarks;

/// <summary>fp32 GEMM throughput: the machine's peak that MFU figures divide by.</summary>
internal sealed class GemmBenchmark : IBenchmark
{
    public string Name => "gemm";
    public string Description => "fp32 matrix-multiply throughput (GFLOP/s) at N=256, 512, 1024, 2048.";

    public int Run(string[] args)
    {
        GemmResult best = default;
        foreach (var size in new[] { 256, 512, 1024, 2048 })
        {
            var result = GemmProbe.Measure(size, repeats: size >= 2048 ? 5 : 10);
            Console.WriteLine($"N={size,5}: best {result.GFlops,7:F1} GFLOP/s, median {result.MedianGFlops,7:F1} GFLOP/s");
            if (result.GFlops > best.GFlops) best = result;
        }
        Console.WriteLine($"gflops={best.GFlops:F1} size={best.Size} threads={TorchSharp.torch.get_num_threads()}");
        return 0;
    }
}
