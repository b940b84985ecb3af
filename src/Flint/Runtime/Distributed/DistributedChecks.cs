using System.Security.Cryptography;
using static TorchSharp.torch;

namespace Flint.Runtime.Distributed;

/// <summary>Checks that every rank holds the same thing (settings, weights), by comparing hashes across the ranks.</summary>
public static class DistributedChecks
{
    /// <summary>True when <paramref name="data"/> hashes alike on every rank (a collective: all ranks must call it).</summary>
    public static bool SameOnEveryRank(this IDistributedContext world, ReadOnlySpan<byte> data)
    {
        if (world.WorldSize == 1) return true;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        using var scope = NewDisposeScope();
        // Two 32-bit pieces of the hash as doubles (exact), compared by max and −max(−x).
        var mine = tensor(new double[] { BitConverter.ToUInt32(hash[..4]), BitConverter.ToUInt32(hash[4..8]) });
        var (high, low) = (mine.clone(), mine.neg());
        world.AllReduceMax([high]);
        world.AllReduceMax([low]);
        return high.eq(low.neg()).all().item<bool>();
    }
}
