using Flint.Config;

namespace Flint.Text.Data;

/// <summary>How an <see cref="LmLoader"/> cuts a token split into batches.</summary>
/// <param name="BatchSize">Windows per batch.</param>
/// <param name="Context">Tokens per window (each window reads Context + 1 tokens: inputs and shifted targets).</param>
/// <param name="Shuffle">Random window order and a random offset per epoch (training); false gives sequential, non-overlapping windows (evaluation).</param>
/// <param name="Seed">With the epoch, determines the order: the same seed and epoch always give the same batches.</param>
/// <param name="Prefetch">Batches prepared ahead on a background thread.</param>
/// <param name="Rank">This process's rank: it takes every WorldSize-th batch (data parallelism).</param>
/// <param name="WorldSize">Number of processes.</param>
/// <param name="DropLast">Drop the last partial batch (training); false keeps it, so evaluation sees every window.</param>
public sealed record LmLoaderOptions(int BatchSize, int Context, bool Shuffle = true, long Seed = 0, int Prefetch = 4, int Rank = 0, int WorldSize = 1, bool DropLast = true)
{
    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("data")
        .Check(BatchSize < 1, nameof(BatchSize), $"must be at least 1, got {BatchSize}.")
        .Check(Context < 1, nameof(Context), $"must be at least 1, got {Context}.")
        .Check(Prefetch < 1, nameof(Prefetch), $"must be at least 1, got {Prefetch}.")
        .Check(WorldSize < 1 || Rank < 0 || Rank >= WorldSize, nameof(Rank), $"must be in [0, WorldSize={WorldSize}), got {Rank}.")
        .Check(!DropLast && WorldSize > 1, nameof(DropLast), "false (keep the last partial batch) needs a single process; shard evaluation data another way.")
        .ThrowIfInvalid();
}
