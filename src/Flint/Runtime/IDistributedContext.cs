using TorchSharp.Modules;

namespace Flint.Runtime;

/// <summary>
/// The seam for multi-process data parallelism. The Trainer asks it to sum gradients and counts after backward (before clipping)
/// and writes logs and checkpoints only on the leader; samplers shard data by <see cref="Rank"/> and <see cref="WorldSize"/>.
/// Flint ships the single-process context; a multi-process one (e.g. over MPI) implements this interface.
/// </summary>
public interface IDistributedContext
{
    /// <summary>This process's index, 0-based.</summary>
    int Rank { get; }

    /// <summary>Number of processes.</summary>
    int WorldSize { get; }

    /// <summary>True on the process that writes logs and checkpoints (rank 0).</summary>
    bool IsLeader => Rank == 0;

    /// <summary>
    /// Replaces each tensor by its elementwise sum over all processes, in place. The Trainer passes the gradients of the
    /// summed losses, the loss sum and the token count together, then divides once by the global count: the exact mean over
    /// every token of every process, however unequal their batches (a mean of per-process means would not be).
    /// </summary>
    void AllReduceSum(IReadOnlyList<TorchSharp.torch.Tensor> tensors);

    /// <summary>Replaces each tensor by its elementwise maximum over all processes (agreeing on flags: stop, save, interrupt).</summary>
    void AllReduceMax(IReadOnlyList<TorchSharp.torch.Tensor> tensors);

    /// <summary>Overwrites each tensor with <paramref name="root"/>'s (initial weights, so every rank starts equal).</summary>
    void Broadcast(IReadOnlyList<TorchSharp.torch.Tensor> tensors, int root = 0);

    /// <summary>Waits until every process arrives (around files one rank writes and the others read).</summary>
    void Barrier();
}
