namespace Flint.Text.Tokenizers;

/// <summary>
/// GPT-2's reversible map from the 256 byte values to printable characters, used to store byte-level BPE vocabularies
/// in <c>vocab.json</c>/<c>merges.txt</c> so HuggingFace and Microsoft.ML.Tokenizers read them.
/// </summary>
public static class ByteLevel
{
    /// <summary>The character standing for each byte value.</summary>
    public static IReadOnlyList<char> ByteToChar { get; } = Build();

    /// <summary>GPT-2's pre-tokenization pattern: contractions, letters, digits, other symbols, whitespace.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    static char[] Build()
    {
        var map = new char[256];
        var printable = new List<int>();
        for (int b = '!'; b <= '~'; b++) printable.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++) printable.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++) printable.Add(b);
        int next = 0;
        for (int b = 0; b < 256; b++) map[b] = printable.Contains(b) ? (char)b : (char)(256 + next++);
        return map;
    }

    /// <summary>The byte-level string for <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }
}
