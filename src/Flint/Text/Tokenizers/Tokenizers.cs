using System.Text.Json;

namespace Flint.Text.Tokenizers;

/// <summary>Creates tokenizers by name and loads saved ones.</summary>
public static class Tokenizers
{
    /// <summary>
    /// A tokenizer from a command-line name: <c>gpt2</c>; <c>wordpiece:PATH/vocab.txt</c> (uncased) or
    /// <c>wordpiece-cased:PATH</c>; <c>bpe:FOLDER</c> (vocab.json + merges.txt); a folder with <c>tokenizer.json</c> (Flint's, or HuggingFace's).
    /// <c>char</c> needs a corpus: use <see cref="CharTokenizer.FromCorpus"/>.
    /// </summary>
    public static ITokenizer FromName(string name)
    {
        var (kind, argument) = name.IndexOf(':') is var colon and > 0 ? (name[..colon], name[(colon + 1)..]) : (name, "");
        return kind switch
        {
            "gpt2" => new Gpt2Tokenizer(),
            "wordpiece" => new WordPieceTokenizer(argument, lowerCase: true),
            "wordpiece-cased" => new WordPieceTokenizer(argument, lowerCase: false),
            "bpe" => ByteLevelBpeTokenizer.Load(argument),
            _ when Directory.Exists(name) => Load(name),
            "char" => throw new ArgumentException(
                "Tokenizer 'char' is built from a corpus, so only 'flint pretrain' can make one. To fine-tune from scratch with a run's char tokenizer, pass --architecture-of RUN; otherwise use gpt2, wordpiece:PATH/vocab.txt, bpe:FOLDER, or a saved tokenizer's folder."),
            _ => throw new ArgumentException(
                $"Unknown tokenizer '{name}'. Use gpt2, wordpiece:PATH/vocab.txt, wordpiece-cased:PATH, bpe:FOLDER, or a folder holding tokenizer.json."),
        };
    }

    /// <summary>
    /// Loads a tokenizer saved with <see cref="ITokenizer.Save"/> and checks its fingerprint; a HuggingFace
    /// <c>tokenizer.json</c> (same file name, a <c>model</c> object instead of <c>kind</c>) is read by <see cref="HuggingFaceTokenizerJson"/>.
    /// </summary>
    public static ITokenizer Load(string directory)
    {
        var specPath = Path.Combine(directory, TokenizerSpec.FileName);
        if (!File.Exists(specPath)) throw new FileNotFoundException($"No {TokenizerSpec.FileName} in {directory}: it is not a saved tokenizer.", specPath);
        var text = File.ReadAllText(specPath);
        if (IsHuggingFace(text)) return HuggingFaceTokenizerJson.Load(specPath);
        var spec = JsonSerializer.Deserialize<TokenizerSpec>(text)
            ?? throw new InvalidDataException($"{specPath} is empty.");
        ITokenizer tokenizer = spec.Kind switch
        {
            "gpt2" => new Gpt2Tokenizer(),
            "char" => CharTokenizer.Load(directory),
            "wordpiece" => WordPieceTokenizer.Load(directory, spec.LowerCase),
            "bpe" => ByteLevelBpeTokenizer.Load(directory),
            _ => throw new InvalidDataException($"{specPath}: unknown tokenizer kind '{spec.Kind}'."),
        };
        if (tokenizer.Fingerprint != spec.Fingerprint)
            throw new InvalidDataException(
                $"{specPath}: the files in {directory} do not match the recorded fingerprint (recorded {spec.Fingerprint[..12]}…, found {tokenizer.Fingerprint[..12]}…). " +
                "They were changed after saving; re-tokenize the data with the tokenizer you intend to use.");
        return tokenizer;
    }

    /// <summary>HF's tokenizer.json has a top-level <c>model</c>; Flint's has <c>kind</c>.</summary>
    static bool IsHuggingFace(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model", out _) && !document.RootElement.TryGetProperty("kind", out _);
        }
        catch (JsonException)
        {
            return false; // the spec parse below reports it with the file named
        }
    }
}
