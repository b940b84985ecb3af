using Flint.Checkpoints;
using Flint.Tests.Cli;
using Flint.Tests.Training;
using Flint.Text.Tokenizers;
using Flint.Tracking;
using Flint.Training;
using Flint.Workflow;
using Flint.Workflow.Specs;

namespace Flint.Tests.Workflow;

/// <summary>The small edges a library user met in an afternoon (issue 20, item 8).</summary>
public sealed class LibraryEdgesTests
{
    [Fact]
    public void The_smallest_bpe_vocabulary_the_docs_name_is_the_one_training_accepts()
    {
        var texts = Enumerable.Repeat("the cat sat on the mat with the hat", 20).ToList();
        Assert.Equal(BpeTrainer.MinVocabSize, BpeTrainer.Train(texts, BpeTrainer.MinVocabSize).VocabSize);
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(texts, BpeTrainer.MinVocabSize - 1));
        Assert.Contains($"at least {BpeTrainer.MinVocabSize} ids", refused.Message);
    }

    [Fact]
    public void Bundled_data_is_found_through_FLINT_DATA_outside_a_checkout()
    {
        using var folder = TestPaths.NewTempFolder();
        var copy = folder.File("data");
        Directory.CreateDirectory(Path.Combine(copy, "rt-polarity"));
        Directory.CreateDirectory(Path.Combine(copy, "tinyshakespeare"));
        var before = Environment.GetEnvironmentVariable(BundledData.Variable);
        try
        {
            Environment.SetEnvironmentVariable(BundledData.Variable, copy);
            Assert.Equal(Path.GetFullPath(copy), BundledData.Root);
            Environment.SetEnvironmentVariable(BundledData.Variable, folder.Path);
            var e = Assert.Throws<DirectoryNotFoundException>(() => BundledData.Root);
            Assert.Contains($"FLINT_DATA is {folder.Path}", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(BundledData.Variable, before);
        }
    }

    [Fact]
    public void An_interrupted_fit_says_how_a_library_user_resumes_it()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 5, ProgressBar = false }, checkpoints: new CheckpointOptions(folder.File("ckpt")));
        trainer.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == 2) ctx.Control.RequestInterrupt(); });
        var reason = trainer.Fit(new TinyTokenModel(), TinyData.Batches(4, 4)).StopReason;
        Assert.Contains("resume: \"last\"", reason);
        Assert.Contains(folder.File("ckpt"), reason);
    }

    static string Run(string root, string name)
    {
        var run = RunFolder.Open(Path.Combine(root, name), RunKind.Pretrain, false, new PretrainSpec());
        new RunSummary { Name = name, Kind = "pretrain", Status = RunStatus.Finished, Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow }.Write(run.Path);
        run.ReleaseLock();
        return run.Path;
    }

    [Fact]
    public void Reindexing_forgets_runs_whose_folders_were_moved_away()
    {
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        Run(root, "kept");
        var moved = Run(root, "moved");
        var store = RunStore.Open(root);
        Assert.Equal(2, store.Reindex());
        Directory.Move(moved, folder.File("elsewhere"));
        Assert.Equal(1, store.Reindex());
        Assert.Equal(["kept"], store.List().Select(r => r.Id));
    }

    [Fact]
    public void An_ambiguous_run_id_in_flint_report_is_one_line_naming_the_matches()
    {
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        Run(root, "idea-1");
        Run(root, "idea-2");
        RunStore.Open(root).Reindex();
        var (exit, output, error) = CliRunner.Run("report", "idea", "--runs", root, "--out", folder.File("report.html"));
        var all = output + error;
        Assert.Equal(2, exit);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.Contains("'idea' matches 2 runs", all);
    }
}
