using System.Text.Json;
using Flint.Checkpoints;
using Flint.Checkpoints.Onnx;
using Flint.Models;

namespace Flint.Workflow;

/// <summary>
/// <c>flint import-onnx</c>: a BERT-family ONNX export (e.g. a sentence-transformers model an app ships) → a HuggingFace
/// folder (config.json, model.safetensors with BertModel names, vocab.txt, tokenizer_config.json) that
/// <c>flint finetune --from</c> and HF <c>transformers</c> load.
/// </summary>
public static class ImportOnnxJob
{
    /// <summary>Imports, writes the folder and checks that Flint's BERT loads it.</summary>
    public static ImportOnnxResult Run(ImportOnnxOptions options)
    {
        if (!File.Exists(options.Model)) throw new FileNotFoundException($"import-onnx {options.Model}: no such file. Pass the model.onnx to import.", options.Model);
        if (!File.Exists(options.Vocab)) throw new FileNotFoundException($"--vocab {options.Vocab}: no such file. Pass the model's WordPiece vocab.txt.", options.Vocab);
        if (options.Heads is < 1) throw new ArgumentException($"--heads {options.Heads}: must be at least 1.");
        var vocab = File.ReadAllLines(options.Vocab); // CRLF or LF
        using var graph = OnnxGraph.Read(options.Model);
        var weights = OnnxBertMapping.Map(graph, options.Heads);
        var config = weights.Config;
        if (vocab.Length != config.VocabSize)
            throw new InvalidDataException($"--vocab {options.Vocab} has {vocab.Length} tokens but {options.Model}'s word embeddings have {config.VocabSize} rows: it is not this model's vocabulary.");
        if (config.HiddenSize % config.Heads != 0)
            throw new ArgumentException($"--heads {config.Heads} does not divide the width {config.HiddenSize} of {options.Model}.");

        Directory.CreateDirectory(options.Out);
        config.Write(Path.Combine(options.Out, "config.json"));
        Safetensors.Write(Path.Combine(options.Out, "model.safetensors"), weights.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)),
            new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(options.Out, "vocab.txt"), string.Join('\n', vocab) + "\n");
        bool lowerCase = IsUncased(vocab);
        File.WriteAllText(Path.Combine(options.Out, "tokenizer_config.json"), JsonSerializer.Serialize(
            new Dictionary<string, object> { ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = lowerCase, ["model_max_length"] = config.MaxPositions }));

        using var bert = new Bert(config.ToBert(dropout: 0));
        var check = HuggingFaceWeights.LoadBert(bert, new HfWeightFile(Path.Combine(options.Out, "model.safetensors")), strict: true, usesMlmHead: false);
        return new ImportOnnxResult(options.Out, config, weights.Tensors.Count, weights.Renamed, lowerCase, graph.Producer, check);
    }

    /// <summary>An uncased vocabulary has (almost) no token with a capital letter outside its [SPECIAL] tokens.</summary>
    static bool IsUncased(string[] vocab) =>
        vocab.Count(t => !(t.StartsWith('[') && t.EndsWith(']')) && t.Any(char.IsUpper)) < vocab.Length / 100;
}
