using System.Diagnostics;
using TorchSharp;

namespace Flint.Runtime;

/// <summary>The result of <see cref="GemmProbe.Measure"/>.</summary>
/// <param name="Size">Matrix size N of the N×N by N×N product.</param>
/// <param name="Repeats">How many products were timed.</param>
/// <param name="GFlops">The best observed throughput, in GFLOP/s (2·N³ floating-point operations per product).</param>
/// <param name="MedianGFlops">The median throughput over the repeats, in GFLOP/s.</param>
public readonly record struct GemmResult(int Size, int Repeats, double GFlops, double MedianGFlops);

/// <summary>
/// Measures fp32 matrix-multiply throughput: the peak that MFU (model FLOP utilisation) figures are divided by.
/// Best-of-N is reported as the peak because a noisy machine only ever makes a product slower, never faster.
/// </summary>
public static class GemmProbe
{
    /// <summary>Times <paramref name="repeats"/> products of two random <paramref name="size"/>² fp32 matrices on <paramref name="device"/>.</summary>
    public static GemmResult Measure(int size = 1024, int repeats = 10, torch.Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        Native.TorchNative.EnsureLoaded();
        device ??= torch.CPU;
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(size, size, device: device);
        var b = torch.randn(size, size, device: device);
        a.matmul(b).Dispose(); // warm-up: the first call allocates workspaces and spins up the thread pool
        Sync(device);
        var rates = new double[repeats];
        double flops = 2.0 * size * size * size;
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            using var c = a.matmul(b);
            Sync(device);
            rates[i] = flops / watch.Elapsed.TotalSeconds / 1e9;
        }
        Array.Sort(rates);
        return new GemmResult(size, repeats, rates[^1], rates[repeats / 2]);
    }

    static void Sync(torch.Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
