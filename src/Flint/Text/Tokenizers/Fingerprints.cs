using System.Security.Cryptography;
using System.Text;

namespace Flint.Text.Tokenizers;

/// <summary>SHA-256 over the parts that determine a tokenizer's ids.</summary>
internal static class Fingerprints
{
    public static string Of(params string[] parts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(part));
            sha.AppendData([0]);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public static string OfBytes(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
