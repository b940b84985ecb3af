using System.CommandLine;
using Flint.Workflow;
using Flint.Workflow.Specs;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint sweep COMMAND [its flags] --grid KEY=V1,V2 --seeds N --out DIR</c>.</summary>
internal static class SweepCommandLine
{
    public static Command Create()
    {
        var command = new Argument<SweepCommand>("command") { Description = "The command every run is: pretrain or finetune." };
        var grid = new Option<string[]>("--grid") { Description = "A setting and its values, KEY=V1,V2 (repeat for more axes; the settings are the product), e.g. --grid optimizer.lr=1e-4,3e-4." };
        var seeds = new Option<string>("--seeds") { Description = "A count N (seeds 0…N−1) or a list a,b,c; every setting runs once per seed.", DefaultValueFactory = _ => "1" };
        var random = new Option<int?>("--random") { Description = "Run only K settings sampled from the grid (the same K every time)." };
        var parallel = new Option<int>("--parallel") { Description = "Runs at once, each in its own process with cores/N threads (at most the core count).", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "The sweep's folder (required). Re-running the same command there skips finished runs and resumes the rest." };
        var metric = new Option<string?>("--metric") { Description = "Choose on val/METRIC, report test/METRIC (default: accuracy for finetune, loss for pretrain)." };
        var sweep = new Command("sweep", "Run a training command over a grid of settings × seeds as one experiment, then print the table: mean ± sd over seeds, best chosen on validation, reported on test. " +
            "Every other flag is passed to the command (e.g. flint sweep finetune --data D --from R --grid optimizer.lr=1e-4,1e-3 --seeds 3 --out runs/sweep-lr).")
        {
            command, grid, seeds, random, parallel, output, metric,
        };
        sweep.TreatUnmatchedTokensAsErrors = false;
        sweep.SetAction(parse => CliErrors.Guard(() =>
        {
            var spec = new SweepSpec
            {
                Command = parse.GetValue(command), Arguments = [.. parse.UnmatchedTokens], Grid = SweepPlan.ParseGrid(parse.GetValue(grid) ?? []),
                Seeds = SweepPlan.ParseSeeds(parse.GetValue(seeds)!), Random = parse.GetValue(random), Parallel = parse.GetValue(parallel),
                Out = parse.GetValue(output) ?? "", Metric = parse.GetValue(metric),
            };
            var result = SweepJob.Run(spec, Launch, Console.Out);
            Console.Out.WriteLine(); // plain text: a Markdown table must not be wrapped at the terminal's width
            Console.Out.WriteLine(result.Table.ToMarkdown());
            AnsiConsole.MarkupLine(Markup.Escape($"Wrote {Path.Combine(result.Folder, "table.md")}" + (result.Complete ? "." : "; the sweep is not complete: run the same command again to finish it.")));
            return result.Complete ? 0 : result.SignalExit ?? 1; // a signal that stopped a run stops the sweep with the same code, as every command exits
        }));
        return sweep;
    }

    /// <summary>One run: in this process, or (runs in parallel) as a child <c>flint</c> process logging to <c>logs/RUN.log</c> in the sweep folder.</summary>
    static int Launch(SweepLaunch run)
    {
        if (!run.InChildProcess) return Program.BuildRoot().Parse([.. run.Arguments]).Invoke();
        var outIndex = run.Arguments.ToList().IndexOf("--out");
        var log = Path.Combine(Path.GetDirectoryName(run.Arguments[outIndex + 1])!, "logs", run.Point.Name + ".log");
        int exit = ChildRuns.RunOne(Program.Self(), new ChildRun(run.Point.Name, run.Arguments, log));
        Console.Out.WriteLine($"{run.Point.Name}: exit {exit} (log: {log})");
        return exit;
    }
}
