using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flint.Tests.Cli;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Tests.Hostile;

/// <summary>One process at a time trains in a run folder: a lock file names the owner; a dead owner's lock is taken over.</summary>
public sealed class RunLockHostileTests
{
    static void WriteLock(string runFolder, int pid, string host, DateTimeOffset started) =>
        File.WriteAllText(Path.Combine(runFolder, RunFolder.LockFile), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["pid"] = pid, ["host"] = host, ["started"] = started.ToString("O", CultureInfo.InvariantCulture),
        }));

    static string NewRun(TempFolder folder)
    {
        var run = RunFolder.Open(folder.File("run"), RunKind.Pretrain, false, new PretrainSpec());
        run.ReleaseLock();
        return run.Path;
    }

    [Fact]
    public void A_second_open_while_the_first_holds_the_run_folder_is_refused_naming_the_owner()
    {
        using var folder = TestPaths.NewTempFolder();
        var first = RunFolder.Open(folder.File("run"), RunKind.Pretrain, false, new PretrainSpec());

        var error = Assert.Throws<IOException>(() => RunFolder.Open(folder.File("run"), RunKind.Pretrain, true, new PretrainSpec()));
        Assert.Contains($"process {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        Assert.Contains(first.Path, error.Message, StringComparison.Ordinal);

        first.ReleaseLock();
        var second = RunFolder.Open(folder.File("run"), RunKind.Pretrain, true, new PretrainSpec());
        second.ReleaseLock();
    }

    [Fact]
    public void The_lock_file_records_the_owners_pid_host_and_start_time()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = RunFolder.Open(folder.File("run"), RunKind.Pretrain, false, new PretrainSpec());
        var owner = JsonDocument.Parse(File.ReadAllText(run.File(RunFolder.LockFile))).RootElement;
        run.ReleaseLock();

        Assert.Equal(Environment.ProcessId, owner.GetProperty("pid").GetInt32());
        Assert.Equal(Environment.MachineName, owner.GetProperty("host").GetString());
        Assert.True(DateTimeOffset.UtcNow - owner.GetProperty("started").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        Assert.False(File.Exists(run.File(RunFolder.LockFile)));
    }

    [Fact]
    public void A_run_folder_locked_by_another_live_process_is_refused_and_left_as_it_was()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        using var other = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            WriteLock(run, other.Id, Environment.MachineName, DateTimeOffset.UtcNow);
            var config = File.ReadAllText(Path.Combine(run, RunFolder.ConfigFile));

            var error = Assert.Throws<IOException>(() => RunFolder.Open(run, RunKind.Pretrain, true, new PretrainSpec()));
            Assert.Contains($"process {other.Id}", error.Message, StringComparison.Ordinal);
            Assert.Contains(run, error.Message, StringComparison.Ordinal);
            Assert.Equal(config, File.ReadAllText(Path.Combine(run, RunFolder.ConfigFile)));
            Assert.Contains($"\"pid\":{other.Id}", File.ReadAllText(Path.Combine(run, RunFolder.LockFile)), StringComparison.Ordinal);
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void A_second_pretrain_into_a_locked_run_folder_exits_2_with_one_line_and_writes_nothing()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        using var other = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            WriteLock(run, other.Id, Environment.MachineName, DateTimeOffset.UtcNow);
            var before = Directory.EnumerateFileSystemEntries(run).Order(StringComparer.Ordinal).ToList();

            var (exit, output, error) = CliRunner.Run("pretrain", "--data", TestPaths.Data("tinyshakespeare", "input.txt"), "--out", run, "--model.preset", "nano",
                "--tokenizer", "char", "--trainer.max-steps", "2", "--trainer.progress", "false", "--resume", "last");

            Assert.Equal(2, exit);
            Assert.Contains($"process {other.Id}", output + error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
            Assert.Equal(before, Directory.EnumerateFileSystemEntries(run).Order(StringComparer.Ordinal));
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void A_stale_lock_of_a_dead_process_on_this_host_is_taken_over_with_a_one_line_message()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        WriteLock(run, gone.Id, Environment.MachineName, DateTimeOffset.UtcNow.AddMinutes(-5));
        var log = new StringWriter();

        var reopened = RunFolder.Open(run, RunKind.Pretrain, true, new PretrainSpec(), log);

        var message = log.ToString().Trim();
        Assert.Single(message.Split('\n'));
        Assert.Contains($"process {gone.Id}", message, StringComparison.Ordinal);
        Assert.Contains("no longer running", message, StringComparison.Ordinal);
        Assert.Contains($"\"pid\":{Environment.ProcessId}", File.ReadAllText(reopened.File(RunFolder.LockFile)), StringComparison.Ordinal);
        reopened.ReleaseLock();
    }

    [Fact]
    public void A_lock_whose_pid_now_belongs_to_a_process_started_later_is_stale()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        using var later = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            // The pid was reused: the lock was taken an hour before the process now holding that pid started.
            WriteLock(run, later.Id, Environment.MachineName, DateTimeOffset.UtcNow.AddHours(-1));
            var log = new StringWriter();
            RunFolder.Open(run, RunKind.Pretrain, true, new PretrainSpec(), log).ReleaseLock();
            Assert.Contains("no longer running", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            later.Kill();
        }
    }

    [Fact]
    public void A_lock_of_a_killed_process_its_launcher_has_not_reaped_yet_is_stale()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        // A zombie: the shell's background child exits, and its parent (the shell, now exec'd into sleep) never reaps it,
        // as a killed MPI rank waits for mpirun.
        using var parent = Process.Start(new ProcessStartInfo("sh", ["-c", "true & echo $!; exec sleep 60"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            int zombie = int.Parse(parent.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
            Thread.Sleep(300);
            WriteLock(run, zombie, Environment.MachineName, DateTimeOffset.UtcNow);
            var log = new StringWriter();

            RunFolder.Open(run, RunKind.Pretrain, true, new PretrainSpec(), log).ReleaseLock();

            Assert.Contains($"process {zombie}", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            parent.Kill();
        }
    }

    [SkippableFact]
    public void A_two_rank_run_into_a_locked_folder_stops_every_rank_with_the_message_instead_of_hanging()
    {
        Skip.IfNot(File.Exists("/usr/bin/mpirun"), "Open MPI is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        using var other = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
        try
        {
            WriteLock(run, other.Id, Environment.MachineName, DateTimeOffset.UtcNow);
            var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
            foreach (var a in new[] { "--oversubscribe", "-np", "2", "dotnet", Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll"), "pretrain",
                         "--data", TestPaths.Data("tinyshakespeare", "input.txt"), "--out", run, "--model.preset", "nano", "--tokenizer", "char",
                         "--trainer.max-steps", "2", "--trainer.progress", "false", "--resume", "last" })
                start.ArgumentList.Add(a);
            using var job = Process.Start(start)!;
            var output = job.StandardOutput.ReadToEndAsync();
            var error = job.StandardError.ReadToEndAsync();
            bool ended = job.WaitForExit(90_000);
            if (!ended) job.Kill(entireProcessTree: true);

            Assert.True(ended, "the ranks hung after rank 0 was refused the run folder");
            Assert.NotEqual(0, job.ExitCode);
            Assert.Contains($"process {other.Id}", output.Result + error.Result, StringComparison.Ordinal);
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void A_lock_held_on_another_host_is_never_taken_over()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = NewRun(folder);
        WriteLock(run, 1, "some-other-host", DateTimeOffset.UtcNow.AddDays(-1));

        var error = Assert.Throws<IOException>(() => RunFolder.Open(run, RunKind.Pretrain, true, new PretrainSpec()));
        Assert.Contains("some-other-host", error.Message, StringComparison.Ordinal);
        Assert.Contains(RunFolder.LockFile, error.Message, StringComparison.Ordinal);
    }
}
