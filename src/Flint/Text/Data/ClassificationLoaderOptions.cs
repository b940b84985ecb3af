using Flint.Config;

namespace Flint.Text.Data;

/// <summary>How a <see cref="ClassificationLoader"/> batches examples.</summary>
/// <param name="BatchSize">Examples per batch.</param>
/// <param name="MaxLength">Longer texts are truncated (keeping the start) to this many tokens, counting added tokens.</param>
/// <param name="Shuffle">Shuffle each epoch (seed, epoch); false keeps the data order.</param>
/// <param name="Seed">Seed of the shuffle.</param>
/// <param name="BucketByLength">Group similar lengths into batches (less padding), then shuffle the batches.</param>
/// <param name="PrependToken">A token put first (BERT's [CLS]), or null.</param>
/// <param name="AppendToken">A token put last (the tutorial's classification token for last-token pooling), or null.</param>
/// <param name="Rank">This process's rank (data parallelism): it takes its share of every global batch.</param>
/// <param name="WorldSize">Number of processes; a global batch holds <c>BatchSize × WorldSize</c> examples, in the order one process with that batch would see.</param>
public sealed record ClassificationLoaderOptions(
    int BatchSize = 32, int MaxLength = 128, bool Shuffle = true, long Seed = 0, bool BucketByLength = false, int? PrependToken = null, int? AppendToken = null,
    int Rank = 0, int WorldSize = 1)
{
    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("data")
        .Check(BatchSize < 1, nameof(BatchSize), $"must be at least 1, got {BatchSize}.")
        .Check(MaxLength < 2, nameof(MaxLength), $"must be at least 2, got {MaxLength}.")
        .Check(WorldSize < 1 || Rank < 0 || Rank >= WorldSize, nameof(Rank), $"must be in [0, WorldSize={WorldSize}), got {Rank}.")
        .ThrowIfInvalid();
}
