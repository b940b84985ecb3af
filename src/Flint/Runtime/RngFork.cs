using TorchSharp;

namespace Flint.Runtime;

/// <summary>
/// PyTorch's <c>fork_rng</c>: saves libtorch's CPU generator, seeds it for a side computation (evaluation, a timing
/// probe), and puts the saved state back on dispose, so the side computation is repeatable and the caller's random
/// stream continues exactly as if it had never run. CUDA generators cannot be read back through TorchSharp; on CUDA they
/// are reseeded from <c>restoreCudaSeed</c> on dispose, which keeps runs repeatable though not identical to an unforked run.
/// </summary>
public sealed class RngFork : IDisposable
{
    readonly torch.Tensor _saved;
    readonly long? _restoreCudaSeed;

    RngFork(long seed, long? restoreCudaSeed)
    {
        _saved = torch.random.get_rng_state().DetachFromDisposeScope();
        _restoreCudaSeed = restoreCudaSeed;
        torch.random.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>Forks the generators and seeds them with <paramref name="seed"/> until disposed.</summary>
    public static RngFork Begin(long seed, long? restoreCudaSeed = null) => new(seed, restoreCudaSeed);

    /// <inheritdoc />
    public void Dispose()
    {
        torch.random.set_rng_state(_saved);
        _saved.Dispose();
        if (_restoreCudaSeed is { } cuda && torch.cuda.is_available()) torch.cuda.manual_seed_all(cuda);
    }
}
