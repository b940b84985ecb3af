using Flint.Runtime.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Runtime;

/// <summary>
/// The thin layer under the Trainer (Lightning's Fabric): device, threads, seeding, batches to the device, dispose
/// scopes and gradient clipping. A hand-written loop can use it directly and get the same behaviour the Trainer has
/// (see samples/CustomLoop).
/// </summary>
public sealed class FlintRuntime
{
    FlintRuntime(RuntimeOptions options, Device device)
    {
        Options = options;
        Device = device;
    }

    /// <summary>The options this runtime was created with.</summary>
    public RuntimeOptions Options { get; }

    /// <summary>The resolved device.</summary>
    public Device Device { get; }

    /// <summary>The process group (a single process unless configured).</summary>
    public IDistributedContext Distributed => Options.DistributedOrDefault;

    /// <summary>Loads libtorch, resolves the device, sets threads and determinism, and (unless <paramref name="reseed"/> is false) seeds every generator.</summary>
    public static FlintRuntime Create(RuntimeOptions? options = null, bool reseed = true)
    {
        options ??= new RuntimeOptions();
        TorchNative.EnsureLoaded();
        if (options.Threads is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, "Threads");
            if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
        }
        var device = options.DeviceOrDefault.Resolve();
        var runtime = new FlintRuntime(options, device);
        // TorchSharp does not implement use_deterministic_algorithms. libtorch's CPU kernels are deterministic for a fixed
        // thread count (reductions split work by thread), so deterministic mode pins the count; on CUDA it turns off TF32.
        if (options.Deterministic)
        {
            torch.set_num_threads(torch.get_num_threads());
            if (device.type == DeviceType.CUDA) torch.backends.cudnn.allow_tf32 = false;
        }
        if (reseed) runtime.Seed(options.Seed);
        return runtime;
    }

    /// <summary>Seeds libtorch's CPU generator and, when present, every CUDA generator.</summary>
    public void Seed(long seed)
    {
        torch.manual_seed(seed);
        if (Device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>A scope that disposes every tensor created inside it (use one per step).</summary>
    public DisposeScope StepScope() => torch.NewDisposeScope();

    /// <summary>Moves a tensor to the runtime's device (a no-op when it is already there).</summary>
    public Tensor ToDevice(Tensor tensor) => tensor.device == Device ? tensor : tensor.to(Device);

    /// <summary>
    /// Clips the total L2 norm of the gradients to <paramref name="maxNorm"/> (PyTorch's clip_grad_norm_) without reading
    /// anything back to the host, and returns the norm before clipping as a scalar tensor.
    /// </summary>
    public static Tensor ClipGradNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The clipping norm must be positive.");
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToArray();
        if (grads.Length == 0) return torch.zeros([]);
        var total = torch.stack(grads.Select(g => g.norm()).ToArray()).norm();
        // min(1, max/(norm+eps)) as a tensor: the branch PyTorch takes on the host is taken on the device here.
        var coefficient = (maxNorm / (total + 1e-6)).clamp_max(1.0);
        foreach (var g in grads) g.mul_(coefficient);
        return total;
    }

    /// <summary>Clamps every gradient element to [-<paramref name="maxValue"/>, <paramref name="maxValue"/>].</summary>
    public static void ClipGradValue(IReadOnlyList<Parameter> parameters, double maxValue)
    {
        if (!(maxValue > 0)) throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, "The clipping value must be positive.");
        foreach (var p in parameters) p.grad?.clamp_(-maxValue, maxValue);
    }

    /// <summary>Multiplies every gradient by <paramref name="scale"/> (a scalar tensor; used to turn summed losses into a mean).</summary>
    public static void ScaleGradients(IReadOnlyList<Parameter> parameters, Tensor scale)
    {
        foreach (var p in parameters) p.grad?.mul_(scale);
    }
}
