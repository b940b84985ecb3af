using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Text.Tokenizers;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// <c>--from</c> a HuggingFace model folder: BERT, DistilBERT, RoBERTa (config.json <c>model_type</c>) or GPT-2
/// (config.json <c>model_type: gpt2</c>, or no config.json and GPT-2 weight names). Weights come from
/// <c>model.safetensors</c> or <c>pytorch_model.bin</c> (<see cref="HfWeightFile"/>), the tokenizer from the family's
/// files (<c>vocab.txt</c>; <c>vocab.json</c> + <c>merges.txt</c>) or, without them, HF's <c>tokenizer.json</c>. The
/// body is for a classifier, so heads it does not use (pooler, NSP, MLM and classification heads) are reported as not used.
/// </summary>
internal static partial class HuggingFaceSource
{
    /// <summary>True when <paramref name="folder"/> holds a HuggingFace weight file.</summary>
    public static bool Holds(string folder) => HfWeightFile.In(folder) is not null;

    public static PretrainedSource Resolve(FinetuneSpec spec, bool loadWeights)
    {
        var from = spec.From!;
        var config = Path.Combine(from, "config.json");
        var weights = HfWeightFile.In(from, spec.Weights.Dtype)
            ?? throw new FileNotFoundException($"--from {from}: no {HfWeightFile.SafetensorsName} or {HfWeightFile.PyTorchName} in the folder.");
        var import = new Import(from, weights, spec.Model.Dropout, loadWeights);
        if (!File.Exists(config)) return Gpt2(import, Gpt2FromNames(from, weights));
        return ModelType(config) switch
        {
            "bert" => Bert(import, HfBertConfig.Read(config)),
            "distilbert" => DistilBert(import, HfDistilBertConfig.Read(config)),
            "roberta" => Roberta(import, HfRobertaConfig.Read(config)),
            "gpt2" => Gpt2(import, HfGpt2Config.Read(config)),
            var other => throw new InvalidDataException($"--from {from}: {config} has model_type '{other}'; Flint imports 'bert', 'distilbert', 'roberta' and 'gpt2' folders."),
        };
    }

    /// <summary>One folder being imported: where, which weight file, the task's dropout, and whether to load the weights at all.</summary>
    sealed record Import(string From, HfWeightFile Weights, double Dropout, bool LoadWeights);

    static PretrainedSource Bert(Import import, HfBertConfig config)
    {
        var tokenizer = WordPiece(import.From, config.VocabSize);
        var bert = new Bert(config.ToBert(import.Dropout));
        if (!import.LoadWeights) return new PretrainedSource(bert, tokenizer, "hf-bert", null, $"the architecture of {import.From}");
        var report = HuggingFaceWeights.LoadBert(bert, import.Weights, strict: true, usesMlmHead: false);
        return new PretrainedSource(bert, tokenizer, "hf-bert", null,
            $"HuggingFace BERT from {import.From} ({config.Layers} layers, width {config.HiddenSize}): {report.Describe(8)}; added a new classification head");
    }

    static PretrainedSource DistilBert(Import import, HfDistilBertConfig config)
    {
        var tokenizer = WordPiece(import.From, config.VocabSize);
        var bert = new Bert(config.ToBert(import.Dropout));
        if (!import.LoadWeights) return new PretrainedSource(bert, tokenizer, "hf-distilbert", null, $"the architecture of {import.From}");
        var report = HuggingFaceWeights.LoadDistilBert(bert, import.Weights, strict: true, usesMlmHead: false);
        return new PretrainedSource(bert, tokenizer, "hf-distilbert", null,
            $"HuggingFace DistilBERT from {import.From} ({config.Layers} layers, width {config.Width}): {report.Describe(8)}; added a new classification head");
    }

    static PretrainedSource Roberta(Import import, HfRobertaConfig config)
    {
        var tokenizer = FlintTokenizer(import.From) ?? ByteLevelBpe(import.From, "a RoBERTa folder");
        if (tokenizer.VocabSize != config.VocabSize)
            throw new InvalidDataException($"--from {import.From}: the tokenizer has {tokenizer.VocabSize} tokens but config.json says vocab_size {config.VocabSize}.");
        if (tokenizer.Specials.Pad != config.PadTokenId)
            throw new InvalidDataException($"--from {import.From}: config.json says pad_token_id {config.PadTokenId} but the tokenizer's <pad> is {tokenizer.Specials.Pad?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; positions are counted from the padding id, so they must agree.");
        var bert = new Bert(config.ToBert(import.Dropout));
        if (!import.LoadWeights) return new PretrainedSource(bert, tokenizer, "hf-roberta", null, $"the architecture of {import.From}");
        var report = HuggingFaceWeights.LoadRoberta(bert, import.Weights, strict: true, usesMlmHead: false);
        return new PretrainedSource(bert, tokenizer, "hf-roberta", null,
            $"HuggingFace RoBERTa from {import.From} ({config.Layers} layers, width {config.HiddenSize}): {report.Describe(8)}; added a new classification head");
    }

    /// <summary>A BERT-family folder's WordPiece vocabulary (vocab.txt, else tokenizer.json, or the exact tokenizer a Flint export keeps), checked against the model's vocabulary size.</summary>
    static ITokenizer WordPiece(string from, int vocabSize)
    {
        var vocab = Path.Combine(from, "vocab.txt");
        var tokenizer = FlintTokenizer(from)
            ?? (File.Exists(vocab) ? new WordPieceTokenizer(vocab, LowerCase(from))
            : HfTokenizerJson(from) ?? throw new FileNotFoundException(
                $"--from {from}: a BERT-family folder needs its vocab.txt (or HF's tokenizer.json) beside config.json; {vocab} is missing.", vocab));
        if (tokenizer.VocabSize != vocabSize)
            throw new InvalidDataException($"--from {from}: the tokenizer has {tokenizer.VocabSize} tokens but config.json says vocab_size {vocabSize}.");
        return tokenizer;
    }

    /// <summary>vocab.json + merges.txt, else HF's tokenizer.json; <paramref name="what"/> names the folder kind in the error.</summary>
    static ITokenizer ByteLevelBpe(string from, string what)
    {
        if (File.Exists(Path.Combine(from, "vocab.json"))) return ByteLevelBpeTokenizer.Load(from);
        return HfTokenizerJson(from) ?? throw new FileNotFoundException(
            $"--from {from}: {what} needs vocab.json and merges.txt (or HF's tokenizer.json); {Path.Combine(from, "vocab.json")} is missing.");
    }

    /// <summary>HF's tokenizer.json when the folder has one (Flint's own tokenizer folders use the same file name with other contents).</summary>
    static ITokenizer? HfTokenizerJson(string from)
    {
        var path = Path.Combine(from, TokenizerSpec.FileName);
        return File.Exists(path) ? HuggingFaceTokenizerJson.Load(path) : null;
    }

    static PretrainedSource Gpt2(Import import, HfGpt2Config config)
    {
        var from = import.From;
        var tokenizer = FlintTokenizer(from)
            ?? (config.VocabSize != 50257 && (File.Exists(Path.Combine(from, "vocab.json")) || File.Exists(Path.Combine(from, TokenizerSpec.FileName)))
                ? ByteLevelBpe(from, "a GPT-2 folder") : new Gpt2Tokenizer());
        if (tokenizer.VocabSize > config.VocabSize)
            throw new InvalidDataException($"--from {from}: the tokenizer has {tokenizer.VocabSize} tokens but the model's vocabulary is {config.VocabSize}.");
        var gpt = new Gpt(config.ToGpt(import.Dropout));
        if (!import.LoadWeights) return new PretrainedSource(gpt, tokenizer, "gpt2", null, $"the architecture of {from}");
        var report = HuggingFaceWeights.LoadGpt2(gpt, import.Weights);
        return new PretrainedSource(gpt, tokenizer, "gpt2", null, $"HuggingFace GPT-2 from {from}: {report.Describe(5)}; the LM head is tied and dropped");
    }

    /// <summary>A GPT-2 folder without config.json: the shape from the weight names and shapes (keys with or without <c>transformer.</c>), 64-wide heads.</summary>
    static HfGpt2Config Gpt2FromNames(string from, HfWeightFile weights)
    {
        var entries = weights.Shapes();
        var file = Path.GetFileName(weights.Path);
        if (!entries.Any(e => e.Name.Contains("attn.c_attn", StringComparison.Ordinal)))
            throw new InvalidDataException($"--from {from}: {file} is not a GPT-2 checkpoint Flint recognises (no attn.c_attn weights), and there is no config.json to say what it is.");
        long[] Shape(string suffix) => entries.FirstOrDefault(e => e.Name == suffix || e.Name.EndsWith("." + suffix, StringComparison.Ordinal)).Shape
            ?? throw new InvalidDataException($"--from {from}: {file} has no {suffix}.");
        var (wte, wpe) = (Shape("wte.weight"), Shape("wpe.weight"));
        int layers = entries.Select(e => BlockIndex().Match(e.Name)).Where(m => m.Success).Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) + 1;
        int width = (int)wte[1];
        return new HfGpt2Config { VocabSize = (int)wte[0], Positions = (int)wpe[0], Width = width, Layers = layers, Heads = Math.Max(1, width / 64) };
    }

    [GeneratedRegex(@"(?:^|\.)h\.(\d+)\.")]
    private static partial Regex BlockIndex();

    static string? ModelType(string config)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(config));
            return json.RootElement.TryGetProperty("model_type", out var t) ? t.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{config} is not valid JSON ({e.Message}).", e);
        }
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
