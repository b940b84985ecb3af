using TorchSharp.Modules;

namespace Flint.Runtime;

/// <summary>
/// The seam for multi-process data parallelism. The Trainer asks it to combine gradients after backward (before clipping)
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

    /// <summary>Replaces every gradient by its mean over all processes.</summary>
    void AllReduceGradients(IReadOnlyList<Parameter> parameters);
}
