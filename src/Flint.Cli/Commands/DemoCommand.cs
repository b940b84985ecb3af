using System.CommandLine;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint demo</c>: does pretraining pay off? Every arm over seeds and label budgets, on bundled data.</summary>
internal static class DemoCommand
{
    public static Command Create() => ConfiguredCommand.Create<DemoSpec>("demo",
        "Does self-supervised pretraining pay off? Pretrain a small LM on bundled text, adapt it to rt-polarity's training texts, fine-tune it, and compare with the same model from scratch and a bag-of-words floor, over seeds and label budgets.",
        spec =>
        {
            var result = DemoJob.Run(spec, Console.Out, Program.Self());
            if (result.Interrupted) return 130;
            var budgets = result.Arms.Select(a => a.Budget).Distinct().OrderBy(b => b ?? int.MaxValue).ToList();
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"rt-polarity test accuracy (%), mean ± sd over {result.Seeds.Count} seed(s); same split, same label samples per seed").AddColumn("arm");
            foreach (var b in budgets) table.AddColumn(b is { } n ? $"{n:N0} labels" : "all labels");
            foreach (var name in result.Arms.Select(a => a.Name).Distinct())
                table.AddRow([name, .. budgets.Select(b => result.Arm(name, b) is { } arm ? Cell(arm.Test) : "")]);
            AnsiConsole.Write(table);
            foreach (var line in DemoOutputs.Story(result)) AnsiConsole.MarkupLine(Markup.Escape(line));
            return 0;
        });

    static string Cell(Flint.Metrics.Spread s) => double.IsFinite(s.Sd) ? $"{100 * s.Mean:0.0} ± {100 * s.Sd:0.0}" : $"{100 * s.Mean:0.0}";
}
