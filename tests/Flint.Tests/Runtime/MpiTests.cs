using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Flint.Checkpoints;
using static TorchSharp.torch;

namespace Flint.Tests.Runtime;

/// <summary>
/// Data parallelism through real processes: <c>mpirun -np 2 flint …</c> must give the run one process gives with twice the
/// batch, survive a killed rank, and write one set of logs. Skipped where Open MPI is not installed (.ci/run installs it).
/// </summary>
public sealed class MpiTests
{
    static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll");

    static bool HaveMpi => File.Exists("/usr/bin/mpirun");

    static (int Exit, string Output) Run(IEnumerable<string> arguments, int? ranks, int? killRankAfterStep = null, string? watch = null)
    {
        var start = ranks is { } n ? new ProcessStartInfo("mpirun") : new ProcessStartInfo("dotnet");
        if (ranks is { } np)
        {
            if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
            foreach (var a in new[] { "--oversubscribe", "-np", np.ToString(CultureInfo.InvariantCulture), "dotnet" }) start.ArgumentList.Add(a);
        }
        start.ArgumentList.Add(Cli);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        (start.RedirectStandardOutput, start.RedirectStandardError, start.UseShellExecute) = (true, true, false);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (killRankAfterStep is { } step)
        {
            // Kill one rank (not mpirun) once the run has a checkpoint past the given step: the job must end on its own.
            var trainerJson = Path.Combine(watch!, "checkpoints", "last", TrainerCheckpoint.FileName);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (DateTime.UtcNow < deadline && !(File.Exists(trainerJson) && StepOf(trainerJson) >= step)) Thread.Sleep(50);
            // One of this job's ranks: its command line names this run's folder (other tests run flint processes at the same time).
            var rank = Process.GetProcesses().Where(p => p.ProcessName == "dotnet" && p.Id != Environment.ProcessId && CommandLine(p.Id).Contains(watch!, StringComparison.Ordinal))
                .OrderBy(p => p.Id).Last();
            rank.Kill();
            var ended = process.WaitForExit(30_000);
            if (!ended) process.Kill(entireProcessTree: true);
            Assert.True(ended, "the job did not end within 30 s of one rank being killed");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    static long StepOf(string trainerJson)
    {
        try { return System.Text.Json.JsonDocument.Parse(File.ReadAllText(trainerJson)).RootElement.GetProperty("step").GetInt64(); }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return -1; }
    }

    static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    static Dictionary<long, double> TrainLosses(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Select(l => l.Split(',')).Where(c => c[5] == "train/loss")
            .ToDictionary(c => long.Parse(c[0], CultureInfo.InvariantCulture), c => double.Parse(c[6], CultureInfo.InvariantCulture));

    static void AssertSameWeights(string a, string b, double tolerance)
    {
        var left = Safetensors.Read(Path.Combine(a, "checkpoints", "last", "model.safetensors"));
        var right = Safetensors.Read(Path.Combine(b, "checkpoints", "last", "model.safetensors"));
        Assert.Equal(left.Keys.Order(), right.Keys.Order());
        // Relative to the largest weight of the model: a summation order that differs (two sums of 4 rows against one of 8)
        // moves near-zero weights by float noise that Adam's normalisation scales up, which a per-tensor scale would magnify.
        double scale = left.Values.Max(x => x.abs().max().item<float>());
        foreach (var (name, x) in left)
        {
            double difference = (x - right[name]).abs().max().item<float>();
            Assert.True(difference / scale <= tolerance, $"{name}: max difference {difference:G3} (relative {difference / scale:G3})");
        }
    }

    static string Corpus(TempFolder folder)
    {
        File.WriteAllText(folder.File("corpus.txt"), File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..30000]);
        return folder.File("corpus.txt");
    }

    [SkippableFact]
    public void Two_ranks_pretrain_like_one_process_with_twice_the_batch()
    {
        Skip.IfNot(HaveMpi, "Open MPI is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        string[] common = ["pretrain", "--data", Corpus(folder), "--model.preset", "nano", "--tokenizer", "char", "--trainer.max-steps", "8", "--trainer.log-every", "1",
            "--trainer.progress", "false", "--seed", "3", "--checkpoint.every-steps", "4"];
        var single = Run([.. common, "--out", folder.File("one"), "--data.batch-size", "8"], ranks: null);
        Assert.True(single.Exit == 0, single.Output);
        var pair = Run([.. common, "--out", folder.File("two"), "--data.batch-size", "4"], ranks: 2);
        Assert.True(pair.Exit == 0, pair.Output);

        var (one, two) = (TrainLosses(folder.File("one")), TrainLosses(folder.File("two")));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), two.Keys.Order());
        Assert.All(one, kv => Assert.True(Math.Abs(kv.Value - two[kv.Key]) / kv.Value <= 1e-5, $"step {kv.Key}: {kv.Value:R} vs {two[kv.Key]:R}"));
        AssertSameWeights(folder.File("one"), folder.File("two"), 1e-5);
        // One set of logs, written by rank 0, shaped like the single process's: the same (step, name) rows, once each.
        static IEnumerable<string> Shape(string run) => File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Select(l => l.Split(',')).Select(c => $"{c[0]},{c[1]},{c[2]},{c[3]},{c[5]}");
        Assert.Equal(Shape(folder.File("one")), Shape(folder.File("two")));
        Assert.Single(Directory.GetFiles(folder.File("two"), "summary.json"));
    }

    [SkippableFact]
    public void Two_ranks_fine_tune_padded_unequal_batches_like_one_process_with_twice_the_batch()
    {
        Skip.IfNot(HaveMpi, "Open MPI is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        var data = Workflow.CliWorkflowTests.Labelled(folder, perClass: 30); // 48 train examples: 6 global batches of 8, lengths vary within each
        string[] common = ["finetune", "--data", data, "--from", "scratch", "--model.preset", "nano", "--tokenizer", "gpt2", "--model.dropout", "0",
            "--trainer.max-epochs", "1", "--trainer.log-every", "1", "--trainer.progress", "false", "--seed", "5", "--data.max-length", "24"];
        var single = Run([.. common, "--out", folder.File("one"), "--data.batch-size", "8"], ranks: null);
        Assert.True(single.Exit == 0, single.Output);
        var pair = Run([.. common, "--out", folder.File("two"), "--data.batch-size", "4"], ranks: 2);
        Assert.True(pair.Exit == 0, pair.Output);
        var (one, two) = (TrainLosses(folder.File("one")), TrainLosses(folder.File("two")));
        Assert.Equal(one.Keys.Order(), two.Keys.Order());
        Assert.All(one, kv => Assert.True(Math.Abs(kv.Value - two[kv.Key]) / kv.Value <= 1e-5, $"step {kv.Key}: {kv.Value:R} vs {two[kv.Key]:R}"));
        AssertSameWeights(folder.File("one"), folder.File("two"), 1e-5);
    }

    [SkippableFact]
    public void A_killed_rank_ends_the_job_and_resuming_gives_the_weights_of_an_uninterrupted_two_rank_run()
    {
        Skip.IfNot(HaveMpi, "Open MPI is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        string[] common = ["pretrain", "--data", Corpus(folder), "--model.preset", "nano", "--tokenizer", "char", "--trainer.max-steps", "60", "--trainer.log-every", "5",
            "--trainer.progress", "false", "--seed", "4", "--model.dropout", "0.1", "--checkpoint.every-steps", "2", "--data.batch-size", "4"];
        var straight = Run([.. common, "--out", folder.File("straight")], ranks: 2);
        Assert.True(straight.Exit == 0, straight.Output);

        var killed = Run([.. common, "--out", folder.File("killed")], ranks: 2, killRankAfterStep: 10, watch: folder.File("killed"));
        Assert.NotEqual(0, killed.Exit);
        Assert.Null(CheckpointStore.Problem(Path.Combine(folder.File("killed"), "checkpoints", "last")));
        var resumed = Run([.. common, "--out", folder.File("killed"), "--resume", "last"], ranks: 2);
        Assert.True(resumed.Exit == 0, resumed.Output);
        static string Sha(string run) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, "checkpoints", "last", "model.safetensors"))));
        Assert.Equal(Sha(folder.File("straight")), Sha(folder.File("killed")));
    }

    [Fact]
    public void Launch_runs_this_same_flint_under_mpirun_with_the_flags_a_user_would_need()
    {
        var args = Flint.Cli.Commands.LaunchCommand.MpirunArguments(4, hostfile: null, allRanks: true, ["pretrain", "--data", "x.txt"]);
        Assert.Equal(["--oversubscribe", "-np", "4", "-x", "FLINT_LOG_ALL_RANKS=1"], args.Where(a => a != "--allow-run-as-root").Take(5));
        Assert.Equal(["pretrain", "--data", "x.txt"], args.TakeLast(3));
        var spread = Flint.Cli.Commands.LaunchCommand.MpirunArguments(2, hostfile: "hosts", allRanks: false, ["finetune"]);
        Assert.Contains("--hostfile", spread);
        Assert.DoesNotContain("--oversubscribe", spread);
    }
}
