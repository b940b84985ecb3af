using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flint.Text.Tokenizers;

/// <summary>
/// HuggingFace's <c>tokenizer.json</c> (the Rust <c>tokenizers</c> format) for folders that ship no vocab.txt or
/// vocab.json: a WordPiece model with BERT's normalizer and pre-tokenizer becomes a <see cref="WordPieceTokenizer"/>, a
/// byte-level BPE model a <see cref="ByteLevelBpeTokenizer"/>, both on Microsoft.ML.Tokenizers (no native library).
/// Anything these classes would tokenize differently (another normalizer, a prefix space, BPE dropout) is refused with
/// the field named.
/// </summary>
public static class HuggingFaceTokenizerJson
{
    /// <summary>Reads <paramref name="path"/>; the error names the file and the field that Flint cannot follow.</summary>
    public static ITokenizer Load(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({e.Message}).", e);
        }
        if (root["model"] is not JsonObject model)
            throw new InvalidDataException($"{path} has no 'model' object: it is not a HuggingFace tokenizer.json{(root.ContainsKey("kind") ? " (it is a Flint tokenizer folder's file; load the folder with --tokenizer)" : "")}.");
        var vocab = Vocabulary(path, model, root["added_tokens"] as JsonArray);
        return Text(model["type"]) switch
        {
            "WordPiece" => WordPiece(path, root, model, vocab),
            "BPE" => Bpe(path, root, model, vocab),
            var other => throw new InvalidDataException($"{path}: model.type is '{other}'; Flint reads WordPiece and byte-level BPE tokenizer.json files."),
        };
    }

    static WordPieceTokenizer WordPiece(string path, JsonObject root, JsonObject model, string[] tokens)
    {
        Expect(path, "model.unk_token", Text(model["unk_token"]), "[UNK]");
        Expect(path, "model.continuing_subword_prefix", Text(model["continuing_subword_prefix"]) ?? "##", "##");
        Expect(path, "pre_tokenizer.type", Text(root["pre_tokenizer"]?["type"]), "BertPreTokenizer");
        bool lowerCase = false;
        if (root["normalizer"] is JsonObject normalizer)
        {
            Expect(path, "normalizer.type", Text(normalizer["type"]), "BertNormalizer");
            lowerCase = normalizer["lowercase"]?.GetValue<bool>() ?? true;
            // HF strips accents when strip_accents is null and lowercase is true; Flint's WordPiece ties the two the same way.
            if (normalizer["strip_accents"]?.GetValue<bool>() is { } strip && strip != lowerCase)
                throw new InvalidDataException($"{path}: normalizer.strip_accents is {strip.ToString().ToLowerInvariant()} with lowercase {lowerCase.ToString().ToLowerInvariant()}; Flint's WordPiece strips accents exactly when it lower-cases.");
        }
        return new WordPieceTokenizer(tokens, lowerCase);
    }

    static ByteLevelBpeTokenizer Bpe(string path, JsonObject root, JsonObject model, string[] tokens)
    {
        var pre = root["pre_tokenizer"] as JsonObject;
        Expect(path, "pre_tokenizer.type", Text(pre?["type"]), "ByteLevel");
        if (pre!["add_prefix_space"]?.GetValue<bool>() == true)
            throw new InvalidDataException($"{path}: pre_tokenizer.add_prefix_space is true; Flint's byte-level BPE (GPT-2's and RoBERTa's default) adds no prefix space.");
        if (pre["use_regex"]?.GetValue<bool>() == false)
            throw new InvalidDataException($"{path}: pre_tokenizer.use_regex is false; Flint's byte-level BPE splits with GPT-2's pattern.");
        if (model["dropout"] is JsonValue dropout && dropout.GetValue<double>() > 0)
            throw new InvalidDataException($"{path}: model.dropout is {dropout}; BPE dropout is for training a tokenizer, not for encoding with it.");
        if (model["merges"] is not JsonArray merges) throw new InvalidDataException($"{path}: model.merges is missing; a BPE model needs its merges.");
        var lines = merges.Select((m, i) => m switch
        {
            JsonArray pair when pair.Count == 2 => $"{Text(pair[0])} {Text(pair[1])}", // tokenizers ≥ 0.20 writes pairs
            JsonValue line => Text(line),
            _ => throw new InvalidDataException($"{path}: model.merges[{i}] is neither \"a b\" nor [\"a\", \"b\"]."),
        });
        var vocabJson = JsonSerializer.Serialize(tokens.Select((t, id) => (t, id)).ToDictionary(p => p.t, p => p.id));
        return new ByteLevelBpeTokenizer(vocabJson, "#version: 0.2\n" + string.Concat(lines.Select(l => l + "\n")), BpeTrainer.EndOfText, path);
    }

    /// <summary>model.vocab (token → id) with the added tokens it lacks, as tokens in id order; ids must be 0…N−1.</summary>
    static string[] Vocabulary(string path, JsonObject model, JsonArray? added)
    {
        if (model["vocab"] is not JsonObject vocab) throw new InvalidDataException($"{path}: model.vocab is missing or not an object of token → id.");
        var ids = new Dictionary<int, string>();
        void Add(string token, int id, string field)
        {
            if (ids.TryGetValue(id, out var other) && other != token)
                throw new InvalidDataException($"{path}: {field} gives id {id} to '{token}', which model.vocab gives to '{other}'.");
            ids[id] = token;
        }
        foreach (var (token, id) in vocab) Add(token, id!.GetValue<int>(), "model.vocab");
        foreach (var entry in added ?? [])
            if (Text(entry?["content"]) is { } content && entry!["id"]?.GetValue<int>() is { } id && !vocab.ContainsKey(content)) Add(content, id, "added_tokens");
        var tokens = new string[ids.Count];
        foreach (var (id, token) in ids)
        {
            if (id < 0 || id >= tokens.Length)
                throw new InvalidDataException($"{path}: token '{token}' has id {id}, but the {tokens.Length} tokens of model.vocab and added_tokens should have ids 0…{tokens.Length - 1}.");
            tokens[id] = token;
        }
        return tokens;
    }

    static void Expect(string path, string field, string? found, string expected)
    {
        if (found != expected)
            throw new InvalidDataException($"{path}: {field} is {(found is null ? "missing" : $"'{found}'")}; Flint reads tokenizer.json files with {field} '{expected}'.");
    }

    static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
}
