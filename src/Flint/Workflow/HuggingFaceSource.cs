using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Text.Tokenizers;

namespace Flint.Workflow;

/// <summary>
/// <c>--from</c> a HuggingFace model folder: BERT (config.json <c>model_type: bert</c>, vocab.txt) or GPT-2 (config.json
/// <c>model_type: gpt2</c>, or no config.json and GPT-2 weight names; GPT-2's tokenizer). The body is for a classifier, so
/// heads it does not use (BERT's pooler, NSP and MLM heads) are reported as not used.
/// </summary>
internal static partial class HuggingFaceSource
{
    public static PretrainedSource Resolve(string from, double dropout, bool loadWeights)
    {
        var config = Path.Combine(from, "config.json");
        if (HfBertConfig.Describes(config)) return Bert(from, HfBertConfig.Read(config), dropout, loadWeights);
        if (File.Exists(config) && ModelType(config) == "distilbert") return DistilBert(from, HfDistilBertConfig.Read(config), dropout, loadWeights);
        var weights = Path.Combine(from, "model.safetensors");
        if (File.Exists(config)) return Gpt2(from, ModelType(config) == "gpt2" ? HfGpt2Config.Read(config)
            : throw new InvalidDataException($"--from {from}: {config} has model_type '{ModelType(config)}'; Flint imports 'bert', 'distilbert' and 'gpt2' folders."), dropout, loadWeights);
        return Gpt2(from, Gpt2FromNames(from, weights), dropout, loadWeights);
    }

    static PretrainedSource Bert(string from, HfBertConfig config, double dropout, bool loadWeights)
    {
        var tokenizer = WordPiece(from, config.VocabSize);
        var bert = new Bert(config.ToBert(dropout));
        if (!loadWeights) return new PretrainedSource(bert, tokenizer, "hf-bert", null, $"the architecture of {from}");
        var report = HuggingFaceWeights.LoadBert(bert, Path.Combine(from, "model.safetensors"), strict: true, usesMlmHead: false);
        return new PretrainedSource(bert, tokenizer, "hf-bert", null,
            $"HuggingFace BERT from {from} ({config.Layers} layers, width {config.HiddenSize}): {report.Describe(8)}; added a new classification head");
    }

    static PretrainedSource DistilBert(string from, HfDistilBertConfig config, double dropout, bool loadWeights)
    {
        var tokenizer = WordPiece(from, config.VocabSize);
        var bert = new Bert(config.ToBert(dropout));
        if (!loadWeights) return new PretrainedSource(bert, tokenizer, "hf-distilbert", null, $"the architecture of {from}");
        var report = HuggingFaceWeights.LoadDistilBert(bert, Path.Combine(from, "model.safetensors"), strict: true, usesMlmHead: false);
        return new PretrainedSource(bert, tokenizer, "hf-distilbert", null,
            $"HuggingFace DistilBERT from {from} ({config.Layers} layers, width {config.Width}): {report.Describe(8)}; added a new classification head");
    }

    /// <summary>A BERT-family folder's WordPiece vocabulary (or the exact tokenizer a Flint export keeps), checked against the model's vocabulary size.</summary>
    static ITokenizer WordPiece(string from, int vocabSize)
    {
        var vocab = Path.Combine(from, "vocab.txt");
        var tokenizer = FlintTokenizer(from) ?? (File.Exists(vocab) ? new WordPieceTokenizer(vocab, LowerCase(from))
            : throw new FileNotFoundException($"--from {from}: a BERT-family folder needs its vocab.txt beside config.json; {vocab} is missing.", vocab));
        if (tokenizer.VocabSize != vocabSize)
            throw new InvalidDataException($"--from {from}: vocab.txt has {tokenizer.VocabSize} tokens but config.json says vocab_size {vocabSize}.");
        return tokenizer;
    }

    static PretrainedSource Gpt2(string from, HfGpt2Config config, double dropout, bool loadWeights)
    {
        var tokenizer = FlintTokenizer(from)
            ?? (File.Exists(Path.Combine(from, "vocab.json")) && config.VocabSize != 50257 ? ByteLevelBpeTokenizer.Load(from) : new Gpt2Tokenizer());
        if (tokenizer.VocabSize > config.VocabSize)
            throw new InvalidDataException($"--from {from}: the tokenizer has {tokenizer.VocabSize} tokens but the model's vocabulary is {config.VocabSize}.");
        var gpt = new Gpt(config.ToGpt(dropout));
        if (!loadWeights) return new PretrainedSource(gpt, tokenizer, "gpt2", null, $"the architecture of {from}");
        var report = HuggingFaceWeights.LoadGpt2(gpt, Path.Combine(from, "model.safetensors"));
        return new PretrainedSource(gpt, tokenizer, "gpt2", null, $"HuggingFace GPT-2 from {from}: {report.Describe(5)}; the LM head is tied and dropped");
    }

    /// <summary>A GPT-2 folder without config.json: the shape from the weight names and shapes (keys with or without <c>transformer.</c>), 64-wide heads.</summary>
    static HfGpt2Config Gpt2FromNames(string from, string weights)
    {
        var entries = Safetensors.ReadHeader(weights).Entries;
        if (!entries.Any(e => e.Name.Contains("attn.c_attn", StringComparison.Ordinal)))
            throw new InvalidDataException($"--from {from}: model.safetensors is not a GPT-2 checkpoint Flint recognises (no attn.c_attn weights), and there is no config.json to say what it is.");
        SafetensorsEntry Entry(string suffix) => entries.FirstOrDefault(e => e.Name == suffix || e.Name.EndsWith("." + suffix, StringComparison.Ordinal))
            ?? throw new InvalidDataException($"--from {from}: model.safetensors has no {suffix}.");
        var (wte, wpe) = (Entry("wte.weight"), Entry("wpe.weight"));
        int layers = entries.Select(e => BlockIndex().Match(e.Name)).Where(m => m.Success).Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) + 1;
        int width = (int)wte.Shape[1];
        return new HfGpt2Config { VocabSize = (int)wte.Shape[0], Positions = (int)wpe.Shape[0], Width = width, Layers = layers, Heads = Math.Max(1, width / 64) };
    }

    [GeneratedRegex(@"(?:^|\.)h\.(\d+)\.")]
    private static partial Regex BlockIndex();

    static string? ModelType(string config)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        return json.RootElement.TryGetProperty("model_type", out var t) ? t.GetString() : null;
    }

    /// <summary>The exact tokenizer a Flint export keeps in <c>flint-tokenizer/</c> (character and GPT-2 tokenizers have no HF files); null otherwise.</summary>
    static ITokenizer? FlintTokenizer(string from) =>
        Directory.Exists(Path.Combine(from, ExportJob.FlintTokenizerFolder)) ? Tokenizers.Load(Path.Combine(from, ExportJob.FlintTokenizerFolder)) : null;

    /// <summary>tokenizer_config.json's <c>do_lower_case</c>; HF's BertTokenizer lower-cases when it is absent.</summary>
    static bool LowerCase(string from)
    {
        var path = Path.Combine(from, "tokenizer_config.json");
        if (!File.Exists(path)) return true;
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return !json.RootElement.TryGetProperty("do_lower_case", out var lower) || lower.ValueKind != JsonValueKind.False;
    }
}
