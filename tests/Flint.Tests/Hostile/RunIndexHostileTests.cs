using Flint.Tests.Cli;
using Flint.Tracking;
using Flint.Workflow.Specs;
using Microsoft.Data.Sqlite;

namespace Flint.Tests.Hostile;

/// <summary>The runs index (flint.db) is a cache of the run folders: a broken one is set aside and rebuilt, and never stops training.</summary>
public sealed class RunIndexHostileTests
{
    static string FinishedRun(string root, string name)
    {
        var run = RunFolder.Open(Path.Combine(root, name), RunKind.Pretrain, false, new PretrainSpec());
        new RunSummary { Name = name, Kind = "pretrain", Status = RunStatus.Finished, FinalStep = 20, ValLoss = 2.2, Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow }
            .Write(run.Path);
        run.ReleaseLock();
        return run.Path;
    }

    static string Corrupt(string root)
    {
        var db = Path.Combine(root, RunStore.FileName);
        File.WriteAllText(db, "this is not a database, it was overwritten by a careless copy\n");
        return db;
    }

    static string[] SetAside(string root) => Directory.GetFiles(root, RunStore.FileName + ".corrupt-*").Select(Path.GetFileName).ToArray()!;

    [Fact]
    public void Listing_runs_over_a_corrupt_flint_db_sets_it_aside_rebuilds_it_from_the_folders_and_says_so()
    {
        using var folder = TestPaths.NewTempFolder();
        FinishedRun(folder.Path, "pre");
        Corrupt(folder.Path);

        var (exit, output, error) = CliRunner.Run("runs", "--runs", folder.Path);

        Assert.True(exit == 0, output + error);
        Assert.Contains("pre", output, StringComparison.Ordinal);
        Assert.Contains(".corrupt-", output, StringComparison.Ordinal);
        Assert.Contains("rebuilt", output, StringComparison.Ordinal);
        var aside = Assert.Single(SetAside(folder.Path));
        Assert.StartsWith("this is not a database", File.ReadAllText(Path.Combine(folder.Path, aside)), StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_reindex_over_a_corrupt_flint_db_rebuilds_it()
    {
        using var folder = TestPaths.NewTempFolder();
        FinishedRun(folder.Path, "pre");
        FinishedRun(folder.Path, "other");
        Corrupt(folder.Path);

        var (exit, output, error) = CliRunner.Run("runs", "reindex", "--runs", folder.Path);

        Assert.True(exit == 0, output + error);
        Assert.Contains("Indexed 2 runs", output, StringComparison.Ordinal);
        Assert.Equal(2, RunStore.Open(folder.Path).List().Count);
    }

    [Fact]
    public void An_index_made_by_an_incompatible_version_is_set_aside_and_rebuilt()
    {
        using var folder = TestPaths.NewTempFolder();
        FinishedRun(folder.Path, "pre");
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(folder.Path, RunStore.FileName)};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE runs (id TEXT PRIMARY KEY, label TEXT); INSERT INTO runs VALUES ('x', 'y');";
            command.ExecuteNonQuery();
        }
        var log = new StringWriter();

        var store = RunStore.Open(folder.Path, log);

        Assert.Equal(["pre"], store.List().Select(r => r.Id));
        Assert.Contains(".corrupt-", log.ToString(), StringComparison.Ordinal);
        Assert.Single(SetAside(folder.Path));
    }

    [Fact]
    public void Training_into_a_runs_root_with_a_corrupt_index_finishes_and_is_indexed_afterwards()
    {
        using var folder = TestPaths.NewTempFolder();
        Corrupt(folder.Path);
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..40000]);

        var (exit, output, error) = CliRunner.Run("pretrain", "--data", corpus, "--out", folder.File("run"), "--model.preset", "nano", "--tokenizer", "char",
            "--data.batch-size", "8", "--trainer.max-steps", "2", "--trainer.progress", "false");

        Assert.True(exit == 0, output + error);
        Assert.Equal("finished", RunStore.Open(folder.Path).Get("run").Status);
    }

    [Fact]
    public void Training_finishes_even_when_the_index_cannot_be_opened_at_all()
    {
        using var folder = TestPaths.NewTempFolder();
        Directory.CreateDirectory(folder.File(RunStore.FileName)); // not a file: sqlite cannot open it, and it is not ours to move
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..40000]);

        var (exit, output, error) = CliRunner.Run("pretrain", "--data", corpus, "--out", folder.File("run"), "--model.preset", "nano", "--tokenizer", "char",
            "--data.batch-size", "8", "--trainer.max-steps", "2", "--trainer.progress", "false");

        Assert.True(exit == 0, output + error);
        Assert.Contains("flint runs reindex", output, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Finished, RunSummary.Read(folder.File("run")).Status);
    }

    [Fact]
    public void Runs_over_a_missing_runs_folder_reports_no_runs_and_creates_nothing()
    {
        using var folder = TestPaths.NewTempFolder();
        var missing = folder.File("nope");

        var (exit, output, error) = CliRunner.Run("runs", "--runs", missing);

        Assert.True(exit == 0, output + error);
        Assert.Contains("No runs", output, StringComparison.Ordinal);
        Assert.Contains(missing, output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData("runs", "show", "x")]
    [InlineData("runs", "tag", "x", "good")]
    [InlineData("runs", "note", "x", "a note")]
    [InlineData("runs", "reindex")]
    [InlineData("report", "x")]
    public void Commands_over_a_missing_runs_folder_say_so_in_one_line_and_create_nothing(params string[] command)
    {
        using var folder = TestPaths.NewTempFolder();
        var missing = folder.File("nope");

        var (exit, output, error) = CliRunner.Run([.. command, "--runs", missing]);

        Assert.Equal(2, exit);
        Assert.Contains(missing, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }
}
