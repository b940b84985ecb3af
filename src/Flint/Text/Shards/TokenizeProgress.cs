namespace Flint.Text.Shards;

/// <summary>A progress report from <see cref="TokenizeJob"/>.</summary>
/// <param name="BytesRead">Input bytes read.</param>
/// <param name="TotalBytes">Input bytes in all (file sizes).</param>
/// <param name="Tokens">Tokens written.</param>
/// <param name="Documents">Documents processed.</param>
/// <param name="Elapsed">Time since the start.</param>
public readonly record struct TokenizeProgress(long BytesRead, long TotalBytes, long Tokens, long Documents, TimeSpan Elapsed)
{
    /// <summary>Input throughput.</summary>
    public double MegabytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesRead / 1e6 / Elapsed.TotalSeconds : 0;
}
