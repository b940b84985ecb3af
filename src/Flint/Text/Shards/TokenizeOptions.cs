using Flint.Config;

namespace Flint.Text.Shards;

/// <summary>Settings of <see cref="TokenizeJob"/>.</summary>
/// <param name="ValidationFraction">Fraction held out for validation: of the documents (chosen by a hash of seed and document index), or, when the
/// corpus has too few documents for that, of each document's tokens (its tail); see <see cref="ValidationSplit"/>.</param>
/// <param name="Seed">Seed of the split.</param>
/// <param name="Threads">Encoding threads.</param>
/// <param name="ShardTokens">Tokens per shard file.</param>
/// <param name="Overwrite">Replace an existing output folder.</param>
public sealed record TokenizeOptions(double ValidationFraction = 0.05, long Seed = 0, int Threads = 0, long ShardTokens = 256_000_000, bool Overwrite = false)
{
    /// <summary>Threads to use (all cores when 0).</summary>
    public int ThreadsOrDefault => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("tokenize")
        .Check(ValidationFraction is < 0 or >= 1, nameof(ValidationFraction), $"must be in [0, 1), got {ValidationFraction}.")
        .Check(Threads < 0, nameof(Threads), $"must be 0 (all cores) or more, got {Threads}.")
        .AtLeast(ShardTokens, 1024, nameof(ShardTokens))
        .ThrowIfInvalid();
}
