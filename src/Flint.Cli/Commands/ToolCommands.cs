using System.CommandLine;
using System.Globalization;
using Flint.Config;
using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using Flint.Tracking;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint evaluate</c>, <c>flint generate</c>, <c>flint lr-find</c>, <c>flint describe-loop</c>.</summary>
internal static class ToolCommands
{
    public static Command Evaluate()
    {
        var from = new Option<string>("--from") { Description = "A pretraining or fine-tuning run folder.", Required = true };
        var data = new Option<string>("--data")
        {
            Description = "Fine-tuning run: labelled data (TSV/CSV/JSONL, or per-class files/folders), required. " +
                          "Pretraining run: raw text (file, folder or comma-separated list) or a tokenized dataset; default: the run's own validation split.",
        };
        var textColumn = new Option<string>("--data.text-column") { Description = "Text column/field.", DefaultValueFactory = _ => "text" };
        var labelColumn = new Option<string>("--data.label-column") { Description = "Label column/field.", DefaultValueFactory = _ => "label" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object on the last line as well." };
        var command = new Command("evaluate",
            "Measure a run: a fine-tuned classifier's accuracy, macro F1, MCC and loss on labelled data; a pretraining run's loss, perplexity and word-level perplexity.")
            { from, data, textColumn, labelColumn, json };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var result = EvaluateJob.Run(parse.GetValue(from)!, parse.GetValue(data), new LabeledDataOptions(parse.GetValue(textColumn)!, parse.GetValue(labelColumn)!));
            if (result.Language is { } scores)
            {
                Console.WriteLine($"Evaluated {Path.GetFileName(result.Run)} ({scores.Objective}) on {result.Data}:");
                foreach (var line in scores.Describe()) Console.WriteLine($"  {line}");
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumn("metric").AddColumn("value");
                foreach (var (name, value) in result.Metrics.OrderBy(m => m.Key)) table.AddRow(Markup.Escape(name), $"{value:F4}");
                AnsiConsole.Write(table);
            }
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonText(indented: false));
            return 0;
        }));
        return command;
    }

    public static Command Generate()
    {
        var from = new Option<string>("--from") { Description = "A causal-LM pretraining run folder.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue.", DefaultValueFactory = _ => "\n" };
        var tokens = new Option<int>("--max-new-tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "0 is greedy.", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { Description = "Sample from the K most likely tokens (0: all).", DefaultValueFactory = _ => 50 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass (1: off).", DefaultValueFactory = _ => 0.95 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var command = new Command("generate", "Continue a prompt with a pretrained decoder (KV cache; greedy, temperature, top-k, top-p).") { from, prompt, tokens, temperature, topK, topP, seed };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            // Checked before the model loads, all at once: libtorch would fail on these deep inside sampling, or sample nonsense.
            double t = parse.GetValue(temperature), p = parse.GetValue(topP);
            int k = parse.GetValue(topK), n = parse.GetValue(tokens);
            var problems = new List<string>();
            if (!double.IsFinite(t) || t < 0) problems.Add($"--temperature: must be a finite number ≥ 0 (0 is greedy), got {t.ToString(CultureInfo.InvariantCulture)}.");
            if (!(p > 0 && p <= 1)) problems.Add($"--top-p: must be in (0, 1] (1 turns it off), got {p.ToString(CultureInfo.InvariantCulture)}.");
            if (k < 0) problems.Add($"--top-k: must be ≥ 0 (0 turns it off), got {k}.");
            if (n < 1) problems.Add($"--max-new-tokens: must be at least 1, got {n}.");
            if (problems.Count > 0) throw new ConfigException("generate", problems);
            var source = PretrainedSource.Resolve(new FinetuneSpec { From = parse.GetValue(from)!, Model = new() { Dropout = 0 } });
            if (source.Body is not Gpt gpt) throw new InvalidOperationException($"{parse.GetValue(from)} holds an encoder; generation needs a causal decoder (a clm run).");
            var ids = source.Tokenizer.Encode(parse.GetValue(prompt)!).Select(i => (long)i).ToArray();
            if (ids.Length == 0) ids = [source.Tokenizer.Specials.Eos ?? 0];
            var output = gpt.Generate(ids, n, t, k > 0 ? k : null, p < 1 ? p : null, source.Tokenizer.Specials.Eos, parse.GetValue(seed));
            Console.WriteLine(source.Tokenizer.Decode(output.Select(i => (int)i)));
            return 0;
        }));
        return command;
    }

    public static Command LrFind() => ConfiguredCommand.Create<PretrainSpec>("lr-find",
        "The LR range test (fastai's lr_find) for the model and data 'flint pretrain' would use; prints valley/steepest suggestions and writes lr_find.csv.",
        spec =>
        {
            var (run, result) = LrFindJob.Run(spec, Console.Out);
            AnsiConsole.MarkupLine(Markup.Escape($"Suggested learning rates: valley {result.Valley:G3}, steepest {result.Steepest:G3}, minimum/10 {result.Minimum:G3} ({result.StopReason})."));
            AnsiConsole.MarkupLine(Markup.Escape($"Curve: {run.File("lr_find.csv")} and {run.File("lr_find.png")}"));
            return 0;
        });

    public static Command DescribeLoop() => ConfiguredCommand.Create<PretrainSpec>("describe-loop",
        "Print the training loop 'flint pretrain' would run with these options: every event in firing order with its handlers.",
        spec =>
        {
            var temp = Directory.CreateTempSubdirectory("flint-describe-").FullName;
            try
            {
                var run = RunFolder.Open(Path.Combine(temp, "run"), RunKind.Describe, false, spec);
                using var trainer = TrainingSetupAccess.Trainer(spec, run);
                Console.WriteLine(trainer.DescribeLoop());
                run.ReleaseLock();
            }
            finally
            {
                Directory.Delete(temp, recursive: true);
            }
            return 0;
        });
}
