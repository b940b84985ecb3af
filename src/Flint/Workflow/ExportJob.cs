using System.Text.Json;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Text.Tokenizers;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Workflow;

/// <summary>
/// <c>flint export --format hf</c>: a pretraining run's body as a HuggingFace folder (config.json, model.safetensors with
/// HF names, tokenizer files) that <c>transformers</c> and <c>flint finetune --from</c> load. Flint's exact tokenizer goes
/// to <c>flint-tokenizer/</c> (its spec file is also called tokenizer.json, which HF would misread at the top level).
/// </summary>
public static class ExportJob
{
    /// <summary>The subfolder holding Flint's own tokenizer files.</summary>
    public const string FlintTokenizerFolder = "flint-tokenizer";

    /// <summary>Exports as specified.</summary>
    public static ExportResult Run(ExportOptions options)
    {
        if (options.Format != "hf") throw new ArgumentException($"--format {options.Format}: Flint exports 'hf' (a HuggingFace model folder) only.");
        var isRun = File.Exists(Path.Combine(options.From, RunFolder.ConfigFile)) || File.Exists(Path.Combine(options.From, "..", "..", RunFolder.ConfigFile));
        if (!isRun) throw new InvalidDataException($"--from {options.From}: not a Flint run folder (no {RunFolder.ConfigFile}). flint export takes a pretraining run made by flint pretrain.");
        var source = PretrainedSource.Resolve(new FinetuneSpec { From = options.From });
        Directory.CreateDirectory(options.Out);
        string modelClass;
        List<(string Name, TorchSharp.torch.Tensor Tensor)> tensors;
        switch (source.Body)
        {
            case Gpt gpt:
                modelClass = "GPT2LMHeadModel";
                HfGpt2Config.From(gpt.Config).Write(Path.Combine(options.Out, "config.json"));
                tensors = [.. HuggingFaceWeights.Gpt2Tensors(gpt)];
                break;
            case Bert bert:
                modelClass = "BertForMaskedLM";
                HfBertConfig.From(bert.Config, modelClass).Write(Path.Combine(options.Out, "config.json"));
                tensors = [.. HuggingFaceWeights.BertTensors(bert)];
                break;
            default:
                throw new InvalidDataException($"--from {options.From}: a {source.Preset} model ({source.Body.GetType().Name}) has no HuggingFace equivalent; export takes GPT and BERT runs.");
        }
        Safetensors.Write(Path.Combine(options.Out, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return new ExportResult(options.Out, modelClass, tensors.Count, WriteTokenizer(source.Tokenizer, options.Out), source.LoadReport);
    }

    /// <summary>Flint's tokenizer in its subfolder; its vocabulary files (vocab.txt, vocab.json, merges.txt) also at the top, where HF looks.</summary>
    static List<string> WriteTokenizer(ITokenizer tokenizer, string folder)
    {
        var flint = Path.Combine(folder, FlintTokenizerFolder);
        Directory.CreateDirectory(flint);
        tokenizer.Save(flint);
        var written = new List<string>();
        foreach (var file in new[] { "vocab.txt", "vocab.json", "merges.txt" }.Where(f => File.Exists(Path.Combine(flint, f))))
        {
            File.Copy(Path.Combine(flint, file), Path.Combine(folder, file), overwrite: true);
            written.Add(file);
        }
        if (tokenizer is WordPieceTokenizer wordPiece)
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(
                new Dictionary<string, object> { ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = wordPiece.LowerCase }));
            written.Add("tokenizer_config.json");
        }
        return written;
    }
}
