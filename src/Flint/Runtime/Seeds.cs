namespace Flint.Runtime;

/// <summary>
/// Deterministic seed derivation (SplitMix64). .NET's <c>HashCode</c> is randomised per process, so anything that must
/// repeat across runs and machines (data order, splits) derives its seeds here.
/// </summary>
public static class Seeds
{
    /// <summary>A 64-bit value determined by <paramref name="seed"/>, <paramref name="index"/> and <paramref name="salt"/>.</summary>
    public static ulong Mix(long seed, long index, string salt = "")
    {
        ulong h = 14695981039346656037UL; // FNV-1a of the salt keeps differently-named streams apart
        foreach (var c in salt) h = (h ^ c) * 1099511628211UL;
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index + h);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) determined by the arguments.</summary>
    public static double Uniform(long seed, long index, string salt = "") => (Mix(seed, index, salt) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A <see cref="Random"/> seeded from the arguments.</summary>
    public static Random Random(long seed, long index, string salt = "") => new((int)(Mix(seed, index, salt) & 0x7FFFFFFF));
}
