using Flint.Tests.Cli;
using Flint.Tracking;
using Flint.Workflow;
using Flint.Workflow.Specs;

namespace Flint.Tests.Workflow;

public sealed class SweepTests
{
    static string Corpus(TempFolder folder)
    {
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..2400]);
        return corpus;
    }

    [Theory]
    [InlineData("--grid optimizer.llr=1e-3,3e-3", "--grid optimizer.llr=1e-3,3e-3: unknown key 'optimizer.llr'; did you mean 'optimizer.lr'?")]
    [InlineData("--grid trainer.max-steps=ten", "expected a whole number, got 'ten'")]
    [InlineData("--grid optimizer.lr=", "--grid optimizer.lr=: the grid of optimizer.lr is empty")]
    [InlineData("--grid optimizer.lr=-1", "optimizer.lr: must be above 0")]
    [InlineData("--parallel 4096 --seeds 2", "--parallel 4096: this machine has")]
    [InlineData("--seeds 2 --seed 3", "--seed: the sweep sets it for each run")]
    [InlineData("--seeds 0,x", "--seeds 0,x: 'x' is not a whole number")]
    [InlineData("--seeds 1", "--grid: nothing to sweep")]
    [InlineData("--grid optimizer.lr=1e-3,3e-3 --random 3", "--random 3: the grid has 2 setting(s)")]
    [InlineData("--grid seed=1,2", "--grid seed=…: give seeds with --seeds")]
    public void Bad_sweep_input_is_refused_before_any_run_naming_the_flag(string flags, string expected)
    {
        using var folder = TestPaths.NewTempFolder();
        var (exit, output, _) = CliRunner.Run(["sweep", "pretrain", "--data", Corpus(folder), .. flags.Split(' '), "--out", folder.File("sweep")]);
        Assert.Equal(2, exit);
        Assert.Contains(expected, output);
        Assert.False(Directory.Exists(folder.File("sweep")), "a refused sweep created its folder");
    }

    [Fact]
    public void A_random_sample_of_the_grid_is_the_same_every_time_and_names_every_run_uniquely()
    {
        var spec = new SweepSpec
        {
            Command = SweepCommand.Finetune, Out = "x", Random = 3, Seeds = [0, 1],
            Grid = [new GridAxis("optimizer.lr", ["1e-4", "3e-4", "1e-3"]), new GridAxis("finetune.method", ["full", "lora"])],
        };
        spec = SweepPlan.Checked(spec, cores: 2);
        var first = SweepPlan.Points(spec);
        Assert.Equal(first.Select(p => p.Name), SweepPlan.Points(spec).Select(p => p.Name));
        Assert.Equal(6, first.Count);
        Assert.Equal(6, first.Select(p => p.Name).Distinct().Count());
        Assert.Equal(3, first.Select(p => string.Join(",", p.Setting)).Distinct().Count());
    }

    [Theory]
    [InlineData(130)]
    [InlineData(143)]
    public void A_run_stopped_by_a_signal_stops_the_sweep_with_the_signals_exit_code(int code)
    {
        // It used to end with 1, like a failed run, where every other command exits 130 after SIGINT and 143 after SIGTERM.
        using var folder = TestPaths.NewTempFolder();
        var spec = new SweepSpec { Command = SweepCommand.Pretrain, Arguments = ["--data", Corpus(folder)], Seeds = [0, 1], Out = folder.File("sweep") };
        var launched = new List<string>();
        var result = SweepJob.Run(spec, run => { launched.Add(run.Point.Name); return code; }, TextWriter.Null);
        Assert.Equal(code, result.SignalExit);
        Assert.False(result.Complete);
        Assert.Equal(["seed=0"], launched); // nothing starts after the interrupted run
        Assert.Null(SweepJob.Run(spec with { Out = folder.File("failed") }, _ => 1, TextWriter.Null).SignalExit); // a failure is not a signal
    }

    [Fact]
    public void Runs_in_parallel_split_the_cores_and_a_different_sweep_is_not_written_into_the_same_folder()
    {
        using var folder = TestPaths.NewTempFolder();
        var sweep = folder.File("runs/seeds");
        string[] common = ["sweep", "pretrain", "--data", Corpus(folder), "--model.preset", "nano", "--tokenizer", "char", "--trainer.max-steps", "2", "--trainer.progress", "false"];
        var (exit, output, _) = CliRunner.Run([.. common, "--seeds", "2", "--parallel", "2", "--out", sweep]);
        Assert.True(exit == 0, output);
        var record = SweepRecord.Read(sweep)!;
        Assert.Equal(["seed=0", "seed=1"], record.Runs.Select(r => r.Run));
        foreach (var run in record.Runs)
        {
            Assert.Equal(RunStatus.Finished, RunSummary.Read(Path.Combine(sweep, run.Run)).Status);
            Assert.Equal((Environment.ProcessorCount / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), RunFolder.Existing(Path.Combine(sweep, run.Run)).ConfigValue("threads"));
        }
        Assert.Contains("| (default) | 2 |", File.ReadAllText(Path.Combine(sweep, "table.md")));

        var again = CliRunner.Run([.. common, "--seeds", "3", "--out", sweep]);
        Assert.Equal(2, again.Exit);
        Assert.Contains("holds another sweep", again.Output);
    }

    [Fact]
    public void Runs_inside_a_sweep_or_in_a_demos_arm_folders_are_indexed_in_the_root_that_holds_them()
    {
        using var folder = TestPaths.NewTempFolder();
        var sweep = Directory.CreateDirectory(folder.File("runs/sweep-lr/lr=1_seed=0")).Parent!.FullName;
        new SweepRecord("pretrain", [], [], [0], null, "loss", [new SweepRunRecord("lr=1_seed=0", [], 0)]).Write(sweep);
        var arm = Directory.CreateDirectory(folder.File("runs/demo-1/scratch-100-seed0")).FullName;
        var finetune = Directory.CreateDirectory(folder.File("runs/demo-1/adapted-clm-all-seed0")).FullName;
        File.WriteAllText(Path.Combine(finetune, "config.yaml"), "kind: finetune\n"); // a run holding a run: its adaptation
        Assert.Equal(folder.File("runs"), RunStore.ForRun(Path.Combine(sweep, "lr=1_seed=0")).Root);
        Assert.Equal(folder.File("runs"), RunStore.ForRun(arm).Root);
        Assert.Equal(folder.File("runs"), RunStore.ForRun(Path.Combine(finetune, "adapt")).Root);
        Assert.Equal(folder.File("runs"), RunStore.ForRun(folder.File("runs/plain")).Root);
    }
}
