using System.CommandLine;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint demo</c>: pretrain, fine-tune, compare with a from-scratch control, all on bundled data.</summary>
internal static class DemoCommand
{
    public static Command Create() => ConfiguredCommand.Create<DemoSpec>("demo",
        "The transfer-learning experiment in one command: pretrain a small LM on bundled public-domain text, fine-tune it on rt-polarity, and compare with the same model trained from scratch.",
        spec =>
        {
            var result = DemoJob.Run(spec, Console.Out);
            var table = new Table().Border(TableBorder.Rounded).Title("rt-polarity sentiment: pretrained vs from scratch (same architecture, data and budget)")
                .AddColumn("model").AddColumn("val accuracy").AddColumn("test accuracy").AddColumn("val loss").AddColumn("time").AddColumn("tokens/s");
            foreach (var (name, arm) in new[] { ("pretrained + fine-tuned", result.Pretrained), ("from scratch", result.Scratch) })
                table.AddRow(name, $"{arm.ValAccuracy:P1}", $"{arm.TestAccuracy:P1}", $"{arm.ValLoss:F4}", $"{arm.WallSeconds:F0} s", $"{arm.TokensPerSecond:N0}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape(
                $"Pretraining: {result.Pretrain.FinalStep:N0} steps, {result.Pretrain.Tokens:N0} tokens in {result.Pretrain.WallSeconds:F0} s, validation loss {result.Pretrain.ValLoss:F3}."));
            AnsiConsole.MarkupLine(Markup.Escape($"Margin (test accuracy, pretrained − scratch): {result.Margin * 100:+0.0;-0.0} points. Everything is in {result.Folder} (demo.json, report.html with the curves, the three run folders)."));
            return 0;
        });
}
