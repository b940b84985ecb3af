using System.Text.Json;
using Flint.Checkpoints;
using Flint.Tracking;

namespace Flint.Tests.Hostile;

/// <summary>
/// SIGINT and SIGTERM at every moment of a command: the exit code is the signal's (130, 143); a run being trained saves a
/// checkpoint it can resume from, even before its first step; a run being set up is marked interrupted, not left running.
/// </summary>
public sealed class InterruptHostileTests
{
    static string Corpus(TempFolder folder, int chars = 20000)
    {
        var path = folder.File("corpus.txt");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..chars]);
        return path;
    }

    static string[] Pretrain(string corpus, string run, string steps = "1000000", string tokenizer = "char") =>
        ["pretrain", "--data", corpus, "--out", run, "--model.preset", "nano", "--tokenizer", tokenizer, "--trainer.max-steps", steps,
         "--data.batch-size", "4", "--trainer.progress", "false", "--trainer.log-every", "5", "--checkpoint.every-steps", "1000000"];

    /// <summary>
    /// A signal to a demo whose fine-tunings run as child processes reaches each child once — whether it was sent to the
    /// demo alone (a job manager's SIGTERM) or to its whole process group (a terminal's Ctrl-C) — so each child finishes its
    /// step, saves and says it was interrupted (a second signal would have stopped it at once, unsaved); no other starts.
    /// </summary>
    [Theory]
    [InlineData("TERM", false, 143)]
    [InlineData("INT", true, 130)]
    public async Task A_signal_to_a_parallel_demo_stops_each_child_run_once_and_cleanly(string signal, bool group, int code)
    {
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        // Once a child's trainer has made its log files, a signal is an interrupt request (before, it stops the run at once).
        bool Training() => Directory.Exists(root) && Directory.GetFiles(root, "metrics.csv", SearchOption.AllDirectories).Any(f => f.Contains("-seed", StringComparison.Ordinal));
        var (exit, printed) = await SignalProcess.Run(signal, _ => Training(), TimeSpan.FromMilliseconds(300),
            group, "demo", "--preset", "nano", "--steps", "4", "--adapt-steps", "0", "--seeds", "4", "--budgets", "none", "--epochs", "30", "--parallel", "2",
            "--out", root, "--progress", "false");

        Assert.True(exit == code, printed);
        Assert.Contains("A demo does not resume", printed);
        var demo = Directory.GetDirectories(root, "demo-*").Single();
        var runs = Directory.GetDirectories(demo, "*-seed*");
        Assert.NotEmpty(runs);
        Assert.True(runs.Length < 8, $"runs started after the signal: {string.Join(", ", runs.Select(Path.GetFileName))}"); // 2 arms × 4 seeds
        foreach (var run in runs)
        {
            Assert.Contains("\"status\": \"interrupted\"", File.ReadAllText(Path.Combine(run, "summary.json")));
            Assert.Null(CheckpointStore.Problem(Path.Combine(run, "checkpoints", "last"))); // saved: a clean stop, not an abort
            var log = File.ReadAllText(Path.Combine(demo, "logs", Path.GetFileName(run) + ".log"));
            Assert.Contains("Interrupted. Continue with: flint finetune", log); // what one signal prints; a second prints "before … could save"
            Assert.DoesNotContain("could save", log);
        }
    }

    /// <summary>
    /// A demo killed outright (SIGKILL, nothing to forward) leaves no child training unattended: each notices its parent is
    /// gone and stops as a SIGTERM would stop it — step finished, checkpoint saved, run marked interrupted, folder unlocked.
    /// </summary>
    [Fact]
    public async Task A_killed_demo_leaves_no_child_run_training_on()
    {
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        bool Training() => Directory.Exists(root) && Directory.GetFiles(root, "metrics.csv", SearchOption.AllDirectories).Any(f => f.Contains("-seed", StringComparison.Ordinal));
        var (exit, printed) = await SignalProcess.Run("KILL", _ => Training(), TimeSpan.FromMilliseconds(300),
            "demo", "--preset", "nano", "--steps", "4", "--adapt-steps", "0", "--seeds", "4", "--budgets", "none", "--epochs", "30", "--parallel", "2",
            "--out", root, "--progress", "false");
        Assert.True(exit == 137, printed);

        var demo = Directory.GetDirectories(root, "demo-*").Single();
        var runs = Directory.GetDirectories(demo, "*-seed*");
        Assert.NotEmpty(runs);
        bool Stopped(string run) => File.Exists(Path.Combine(run, "summary.json")) && !File.Exists(Path.Combine(run, RunFolder.LockFile))
            && File.ReadAllText(Path.Combine(run, "summary.json")).Contains("\"status\": \"interrupted\"");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!runs.All(Stopped) && DateTime.UtcNow < deadline) await Task.Delay(100);
        foreach (var run in runs)
        {
            Assert.True(Stopped(run), $"{run} is still training, or did not stop cleanly, after its demo was killed");
            Assert.Null(CheckpointStore.Problem(Path.Combine(run, "checkpoints", "last")));
        }
    }

    /// <summary>
    /// A parallel sweep stopped by a SIGTERM sent to it alone (its children did not get one) leaves no run training
    /// unattended: each child notices its parent is gone and stops as the SIGTERM would have stopped it, saved and marked.
    /// </summary>
    [Fact]
    public async Task A_parallel_sweep_terminated_alone_leaves_no_run_training_on()
    {
        using var folder = TestPaths.NewTempFolder();
        var sweep = folder.File("sweep");
        bool Training() => Directory.Exists(sweep) && Directory.GetFiles(sweep, "metrics.csv", SearchOption.AllDirectories).Length > 0;
        var (_, printed) = await SignalProcess.Run("TERM", _ => Training(), TimeSpan.FromMilliseconds(300),
            "sweep", "pretrain", "--data", Corpus(folder), "--model.preset", "nano", "--tokenizer", "char", "--trainer.max-steps", "1000000", "--data.batch-size", "4",
            "--trainer.progress", "false", "--trainer.log-every", "5", "--checkpoint.every-steps", "1000000", "--seeds", "2", "--parallel", "2", "--out", sweep);

        var runs = Directory.GetDirectories(sweep, "seed=*");
        Assert.NotEmpty(runs);
        bool Stopped(string run) => File.Exists(Path.Combine(run, "summary.json")) && !File.Exists(Path.Combine(run, RunFolder.LockFile))
            && File.ReadAllText(Path.Combine(run, "summary.json")).Contains("\"status\": \"interrupted\"");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!runs.All(Stopped) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(runs.All(Stopped), $"a run of the terminated sweep is still training or did not stop cleanly: {printed}");
    }

    [Fact]
    public async Task Sigterm_the_moment_the_metrics_file_appears_saves_a_checkpoint_and_exits_143()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        var (exit, printed) = await SignalProcess.Run("TERM", SignalProcess.When(Path.Combine(run, "metrics.csv")), TimeSpan.Zero, Pretrain(Corpus(folder), run));

        Assert.True(exit == 143, printed);
        Assert.Contains("Interrupted. Continue with: flint pretrain --out", printed);
        Assert.Contains("--resume last", printed);
        Assert.Null(CheckpointStore.Problem(Path.Combine(run, "checkpoints", "last")));
        Assert.Contains("\"status\": \"interrupted\"", File.ReadAllText(Path.Combine(run, "summary.json")));
    }

    [Fact]
    public async Task Sigint_while_the_tokenizer_trains_marks_the_run_interrupted_frees_its_folder_and_says_so()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        var corpus = Corpus(folder, 400000); // a BPE of 4096 on 400 kB takes seconds, so the signal lands inside it
        var (exit, printed) = await SignalProcess.Run("INT", SignalProcess.When(Path.Combine(run, RunFolder.ConfigFile)), TimeSpan.FromMilliseconds(300),
            Pretrain(corpus, run, steps: "5", tokenizer: "train-bpe:4096"));

        Assert.True(exit == 130, printed);
        Assert.Contains($"Interrupted (SIGINT) while {run} was being set up, before its first checkpoint. Start it again with: flint pretrain --out {run} --resume last", printed);
        Assert.False(File.Exists(Path.Combine(run, RunFolder.LockFile)), "the run folder is still locked by a process that is gone");
        var record = Assert.Single(RunStore.OpenExisting(folder.Path).List());
        Assert.Equal("interrupted", record.Status);

        // What the message says works: nothing the interrupted process left is in its way.
        var again = Flint.Tests.Cli.CliRunner.Run([.. Pretrain(corpus, run, steps: "2", tokenizer: "char"), "--resume", "last"]);
        Assert.True(again.Exit == 0, again.Output + again.Error);
    }

    [Fact]
    public async Task A_tokenize_interrupted_by_sigterm_exits_143_and_says_nothing_was_written()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("big.txt"); // about 20 MB: tokenizing takes seconds, so the signal lands inside it
        File.WriteAllText(corpus, string.Concat(Enumerable.Repeat(File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt")), 18)));
        var output = folder.File("tokens");
        var (exit, printed) = await SignalProcess.Run("TERM", _ => Directory.EnumerateDirectories(folder.Path, "tokens.partial-*").Any(),
            TimeSpan.FromMilliseconds(100), "tokenize", corpus, "--tokenizer", "gpt2", "--out", output);

        Assert.True(exit == 143, printed);
        Assert.Contains($"Interrupted (SIGTERM) while tokenizing: nothing was written to {output}", printed);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task The_dashboard_stopped_by_sigterm_exits_143_not_0()
    {
        using var folder = TestPaths.NewTempFolder();
        var port = Random.Shared.Next(20000, 40000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exit, printed) = await SignalProcess.Run("TERM", text => text.Contains("Dashboard on", StringComparison.Ordinal), TimeSpan.Zero,
            "dashboard", "--runs", folder.Path, "--port", port);
        Assert.True(exit == 143, printed);
    }

    [Fact]
    public void Resuming_a_finished_run_reports_already_complete_and_changes_nothing()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        var corpus = Corpus(folder);
        var first = Flint.Tests.Cli.CliRunner.Run(Pretrain(corpus, run, steps: "3"));
        Assert.True(first.Exit == 0, first.Output + first.Error);
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".db", StringComparison.Ordinal))
            .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

        var again = Flint.Tests.Cli.CliRunner.Run([.. Pretrain(corpus, run, steps: "3"), "--resume", "last"]);

        Assert.True(again.Exit == 0, again.Output + again.Error);
        Assert.Contains($"{run} is already complete (max steps (3) reached, step 3); nothing was changed.", again.Output);
        var after = Directory.GetFiles(run, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".db", StringComparison.Ordinal))
            .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
        Assert.Equal(before, after);
        Assert.Equal("finished", JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement.GetProperty("status").GetString());

        // With a changed setting it is not 'complete': the trainer refuses the resume, and the finished run stays finished everywhere.
        var changed = Flint.Tests.Cli.CliRunner.Run([.. Pretrain(corpus, run, steps: "3"), "--data.context", "16", "--resume", "last"]);
        Assert.Equal(2, changed.Exit);
        Assert.DoesNotContain("already complete", changed.Output);
        Assert.Equal("finished", Assert.Single(RunStore.OpenExisting(folder.Path).List()).Status);
    }
}
