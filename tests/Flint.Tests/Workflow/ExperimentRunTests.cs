using Flint.Config;
using Flint.Tests.Cli;
using Flint.Tests.Training;
using Flint.Tracking;
using Flint.Workflow;
using Flint.Workflow.Specs;
using static TorchSharp.torch;

namespace Flint.Tests.Workflow;

/// <summary>An experiment run through the library is a run like a command's: listed, compared, reported, resumable.</summary>
public sealed class ExperimentRunTests
{
    /// <summary>A user's own settings: the standard sections plus one of theirs.</summary>
    public sealed record ProbeSettings : ExperimentSpec
    {
        [Setting("Weight of the sequence term.", Min = 0)] public double SequenceWeight { get; init; } = 0.5;
    }

    static ProbeSettings Settings(string @out, long steps) => new()
    {
        Out = @out, Seed = 3, SequenceWeight = 0.25,
        Trainer = new TrainerSpec { MaxSteps = steps, LogEvery = 2, ValEvery = 2, Progress = false },
        Checkpoint = new CheckpointSpec { EverySteps = 2 },
    };

    static RunSummary Train(ProbeSettings settings)
    {
        manual_seed(settings.Seed);
        var model = new TwoTermModel();
        using var run = ExperimentRun.Open(settings, TextWriter.Null);
        using var trainer = run.CreateTrainer();
        var fit = run.Fit(trainer, model, TinyData.Batches(6, 4), TinyData.Batches(2, 4, seed: 9));
        Assert.Equal(fit.Steps, run.Summary!.FinalStep);
        return run.Summary;
    }

    [Fact]
    public void An_experiment_opened_through_the_library_is_listed_shown_and_reported_like_a_command_run()
    {
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        var summary = Train(Settings(Path.Combine(root, "idea-1"), steps: 4));

        Assert.Equal((RunStatus.Finished, 4L), (summary.Status, summary.FinalStep));
        var run = RunFolder.Existing(Path.Combine(root, "idea-1"));
        Assert.Equal(RunKind.Experiment, run.Kind);
        Assert.Equal("0.25", run.ConfigValue("sequence_weight"));
        Assert.Equal(4L, run.Spec<ProbeSettings>().Trainer.MaxSteps); // config.yaml reads back into the user's record
        Assert.Contains(File.ReadLines(run.File("metrics.csv")), l => l.Contains(",train/seq,", StringComparison.Ordinal));

        var (exit, listed, _) = CliRunner.Run("runs", "--runs", root);
        Assert.Equal(0, exit);
        var row = Assert.Single(listed.Split('\n'), l => l.Contains("idea-1", StringComparison.Ordinal));
        Assert.Contains("experiment", row);
        Assert.Contains("finished", row);
        Assert.Contains(summary.ValLoss!.Value.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), row);

        var (showExit, shown, _) = CliRunner.Run("runs", "show", "idea-1", "--runs", root);
        Assert.Equal(0, showExit);
        Assert.Contains("sequence_weight", shown);

        var (reportExit, _, reportError) = CliRunner.Run("report", "idea-1", "--runs", root, "--out", folder.File("report.md"));
        Assert.True(reportExit == 0, reportError);
        Assert.Contains("idea-1", File.ReadAllText(folder.File("report.md")));
    }

    [Fact]
    public void An_experiment_resumed_from_last_ends_where_an_uninterrupted_one_does()
    {
        using var folder = TestPaths.NewTempFolder();
        var straight = Train(Settings(folder.File("straight"), steps: 6));
        Train(Settings(folder.File("resumed"), steps: 4));
        var resumed = Train(Settings(folder.File("resumed"), steps: 6) with { Resume = "last", AllowConfigChange = true });
        Assert.Equal(6, resumed.FinalStep);
        Assert.Equal(straight.ValLoss, resumed.ValLoss);
    }

    [Fact]
    public void Invalid_experiment_settings_are_refused_before_any_folder_is_made()
    {
        using var folder = TestPaths.NewTempFolder();
        var e = Assert.Throws<ConfigException>(() => ExperimentRun.Open(Settings(folder.File("bad"), steps: 4) with { SequenceWeight = -1 }, TextWriter.Null));
        Assert.Contains("sequence_weight", e.Message);
        Assert.False(Directory.Exists(folder.File("bad")));
    }
}
