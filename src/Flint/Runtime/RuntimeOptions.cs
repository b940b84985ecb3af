namespace Flint.Runtime;

/// <summary>How the runtime sets up libtorch for a run.</summary>
/// <param name="Device">Where tensors live: cpu, cuda, cuda:N or auto.</param>
/// <param name="Threads">libtorch intra-op threads; null keeps libtorch's default (one per core).</param>
/// <param name="Seed">Seed for libtorch's generators (CPU and CUDA).</param>
/// <param name="Deterministic">Pin the thread count (CPU results then repeat bit for bit) and turn off TF32 on CUDA.</param>
/// <param name="Distributed">The process group; null means a single process.</param>
public sealed record RuntimeOptions(DeviceSpec? Device = null, int? Threads = null, long Seed = 0, bool Deterministic = false, IDistributedContext? Distributed = null)
{
    /// <summary>The process group, defaulting to a single process.</summary>
    public IDistributedContext DistributedOrDefault => Distributed ?? SingleProcess.Instance;

    /// <summary>The device, defaulting to CPU.</summary>
    public DeviceSpec DeviceOrDefault => Device ?? DeviceSpec.Cpu;
}
