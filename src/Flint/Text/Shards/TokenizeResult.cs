using Flint.Text.Corpus;

namespace Flint.Text.Shards;

/// <summary>What <see cref="TokenizeJob.Run"/> wrote, and what it found while reading (invalid UTF-8 places).</summary>
/// <param name="Meta">The dataset header.</param>
/// <param name="Report">Sizes and replacements.</param>
public sealed record TokenizeResult(TokenDatasetMeta Meta, CorpusReport Report)
{
    /// <summary>Partial folders of an earlier, interrupted tokenization into the same output that this one removed.</summary>
    public IReadOnlyList<string> RemovedLeftovers { get; init; } = [];
}
