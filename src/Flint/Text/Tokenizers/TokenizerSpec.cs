using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flint.Text.Tokenizers;

/// <summary>The contents of <c>tokenizer.json</c>: which tokenizer, with which files and options.</summary>
/// <param name="Kind"><c>gpt2</c>, <c>char</c>, <c>wordpiece</c> or <c>bpe</c>.</param>
/// <param name="Fingerprint">The fingerprint at save time; checked on load.</param>
/// <param name="LowerCase">WordPiece: lower-case before tokenizing.</param>
public sealed record TokenizerSpec(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("lower_case")] bool LowerCase = false)
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The file name inside a tokenizer folder.</summary>
    public const string FileName = "tokenizer.json";

    internal void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));
    }
}
