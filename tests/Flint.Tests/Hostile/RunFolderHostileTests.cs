using Flint.Tests.Cli;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Tests.Hostile;

/// <summary>Flint writes only into new folders, empty folders and its own run folders, and deletes nothing it did not make.</summary>
public sealed class RunFolderHostileTests
{
    static string Corpus(TempFolder folder)
    {
        var path = folder.File("corpus.txt");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..40000]);
        return path;
    }

    static string[] Nano(string corpus, string run, params string[] more) =>
        ["pretrain", "--data", corpus, "--out", run, "--model.preset", "nano", "--tokenizer", "char", "--data.batch-size", "8", "--trainer.progress", "false",
            "--trainer.max-steps", "2", .. more];

    /// <summary>A user's folder: a data/ subfolder and a metrics.csv, both theirs.</summary>
    static string UsersFolder(TempFolder folder)
    {
        var mine = folder.File("mine");
        Directory.CreateDirectory(Path.Combine(mine, "data"));
        File.WriteAllText(Path.Combine(mine, "data", "mine.txt"), "precious");
        File.WriteAllText(Path.Combine(mine, "metrics.csv"), "my,own,columns\n");
        return mine;
    }

    static void AssertUntouched(string mine)
    {
        Assert.Equal("precious", File.ReadAllText(Path.Combine(mine, "data", "mine.txt")));
        Assert.Equal("my,own,columns\n", File.ReadAllText(Path.Combine(mine, "metrics.csv")));
        Assert.Equal(["data", "metrics.csv"], Directory.EnumerateFileSystemEntries(mine).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["mine.txt"], Directory.EnumerateFileSystemEntries(Path.Combine(mine, "data")).Select(Path.GetFileName));
    }

    [Fact]
    public void Out_naming_a_non_empty_folder_that_is_not_a_run_is_refused_naming_it_and_nothing_in_it_changes()
    {
        using var folder = TestPaths.NewTempFolder();
        var mine = UsersFolder(folder);

        var (exit, output, error) = CliRunner.Run(Nano(Corpus(folder), mine));

        Assert.Equal(2, exit);
        Assert.Contains(mine, output + error, StringComparison.Ordinal);
        Assert.Contains("not a Flint run", output + error, StringComparison.Ordinal);
        AssertUntouched(mine);
    }

    [Fact]
    public void Resume_last_into_a_non_empty_folder_that_is_not_a_run_is_refused_and_nothing_in_it_changes()
    {
        using var folder = TestPaths.NewTempFolder();
        var mine = UsersFolder(folder);

        var (exit, output, error) = CliRunner.Run([.. Nano(Corpus(folder), mine), "--resume", "last"]);

        Assert.Equal(2, exit);
        Assert.Contains(mine, output + error, StringComparison.Ordinal);
        AssertUntouched(mine);
    }

    [Fact]
    public void An_existing_empty_folder_is_accepted_as_a_new_run_folder()
    {
        using var folder = TestPaths.NewTempFolder();
        var empty = folder.File("empty");
        Directory.CreateDirectory(empty);

        var run = RunFolder.Open(empty, RunKind.Pretrain, false, new PretrainSpec());
        run.ReleaseLock();

        Assert.True(File.Exists(Path.Combine(empty, RunFolder.ConfigFile)));
    }

    [Fact]
    public void A_finished_run_folder_has_no_lock_left_and_can_be_resumed_by_the_next_command()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        var corpus = Corpus(folder);
        var first = CliRunner.Run(Nano(corpus, run));
        Assert.True(first.Exit == 0, first.Output + first.Error);
        Assert.False(File.Exists(Path.Combine(run, RunFolder.LockFile)), "the lock outlived the run");

        var again = CliRunner.Run([.. Nano(corpus, run), "--resume", "last"]);
        Assert.True(again.Exit == 0, again.Output + again.Error);
        Assert.False(File.Exists(Path.Combine(run, RunFolder.LockFile)));
    }
}
