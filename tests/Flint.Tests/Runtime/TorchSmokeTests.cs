using Flint.Runtime;
using Flint.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Tests.Runtime;

public sealed class TorchSmokeTests
{
    [Fact]
    public void Libtorch_loads_in_the_test_host_and_computes()
    {
        TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = arange(6, dtype: float32).reshape(2, 3);
        Assert.Equal(15f, x.sum().item<float>());
        Assert.Equal(new long[] { 2, 2 }, x.matmul(x.T).shape);
    }

    [Fact]
    public void A_tiny_model_trains_one_step_and_its_loss_falls()
    {
        TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 1));
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-2);
        var x = randn(32, 8);
        var y = x.sum(1, keepdim: true);
        float Loss() => nn.functional.mse_loss(model.call(x), y).item<float>();

        var before = Loss();
        for (int i = 0; i < 5; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            optimizer.step();
        }
        Assert.True(Loss() < before, $"loss did not fall: {before} -> {Loss()}");
    }

    [Fact]
    public void Gemm_probe_reports_a_positive_throughput()
    {
        var result = GemmProbe.Measure(size: 128, repeats: 3);
        Assert.True(result.GFlops > 0);
        Assert.True(result.GFlops >= result.MedianGFlops);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("CUDA")]
    [InlineData("cuda:1")]
    [InlineData("auto")]
    public void Device_names_users_type_are_accepted(string name) => Assert.Equal(name.ToLowerInvariant(), DeviceSpec.Parse(name).Text);

    [Fact]
    public void An_unknown_device_is_rejected_with_the_accepted_spellings()
    {
        var error = Assert.Throws<ArgumentException>(() => DeviceSpec.Parse("gpu"));
        Assert.Contains("cpu, cuda, cuda:N, auto", error.Message);
    }

    [Fact]
    public void Auto_resolves_to_cpu_without_a_gpu_and_cuda_fails_clearly()
    {
        if (cuda.is_available()) return; // on a GPU machine both resolve; the CPU-only behaviour is what this checks
        Assert.Equal(DeviceType.CPU, DeviceSpec.Parse("auto").Resolve().type);
        var error = Assert.Throws<InvalidOperationException>(() => DeviceSpec.Parse("cuda").Resolve());
        Assert.Contains("--device cpu", error.Message);
    }
}
