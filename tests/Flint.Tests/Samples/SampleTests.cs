namespace Flint.Tests.Samples;

public sealed class SampleTests
{
    [Fact]
    public void The_custom_module_sample_learns_the_spirals()
    {
        using var folder = TestPaths.NewTempFolder();
        var result = global::Samples.CustomModule.Sample.Run(maxEpochs: 40, csvPath: folder.File("metrics.csv"), progress: false);
        Assert.True(result.LastValidation["val/accuracy"] > 0.9, $"val/accuracy {result.LastValidation["val/accuracy"]}");
        Assert.Contains(File.ReadLines(folder.File("metrics.csv")), l => l.Contains(",val/accuracy,", StringComparison.Ordinal));
    }

    [Fact]
    public void The_custom_loop_sample_drives_the_error_down()
    {
        var mse = global::Samples.CustomLoop.Sample.Run().Where(r => r.Name == "train/mse").ToList();
        Assert.Equal(6, mse.Count);
        Assert.True(mse[^1].Value < mse[0].Value / 5, $"{mse[0].Value} -> {mse[^1].Value}");
    }

    [Fact]
    public void The_custom_objective_sample_lowers_both_of_its_losses()
    {
        var result = global::Samples.CustomObjective.Sample.Run(steps: 150, progress: false);
        foreach (var name in new[] { "train/lm_loss", "train/detection_loss" })
            Assert.True(result.Series(name)[^1].Value < result.Series(name)[0].Value * 0.8, $"{name}: {result.Series(name)[0].Value} -> {result.Series(name)[^1].Value}");
    }

    [Fact]
    public void The_custom_callback_sample_stops_training_when_the_loss_plateaus()
    {
        var result = global::Samples.CustomCallback.Sample.Run(progress: false);
        Assert.StartsWith("training loss flat for 3 log windows", result.StopReason);
        Assert.True(result.Steps < 3000);
        Assert.Contains(result.History, r => r.Name == "plateau/flat_flushes");
    }

    [Fact]
    public void The_new_objective_sample_learns_both_terms_as_tracked_runs_that_flint_lists_and_reports()
    {
        using var folder = TestPaths.NewTempFolder();
        var result = global::Samples.NewObjective.Sample.Run(folder.File("runs"), steps: 60, progress: false);
        var pretrain = result.Pretrain;
        foreach (var name in new[] { "train/lm", "train/detect" })
            Assert.True(pretrain.Series(name)[^1].Value < pretrain.Series(name)[0].Value * 0.8, $"{name}: {pretrain.Series(name)[0].Value} -> {pretrain.Series(name)[^1].Value}");
        // The callback scored the detector from the steps' outputs, in training and in each validation.
        Assert.NotEmpty(pretrain.Series("train/detect_acc"));
        Assert.Equal(pretrain.Series("val/loss").Count, pretrain.Series("val/detect_acc").Count); // one per validation, none from the sanity check
        Assert.True(pretrain.LastValidation["val/detect_acc"] > 0.6, $"val/detect_acc {pretrain.LastValidation["val/detect_acc"]}");
        // Stage-aware logging: the step's bare name went under train/ and val/ without mixing (every validation window is half shuffled by design).
        Assert.NotEmpty(pretrain.Series("train/shuffled_fraction"));
        Assert.NotEmpty(pretrain.Series("val/shuffled_fraction"));
        Assert.Equal(pretrain.LastValidation["val/lm"] + pretrain.LastValidation["val/detect"], pretrain.LastValidation["val/loss"], 6);

        var (exit, listed, _) = Flint.Tests.Cli.CliRunner.Run("runs", "--runs", folder.File("runs"));
        Assert.Equal(0, exit);
        Assert.Contains(listed.Split('\n'), l => l.Contains("shuffled-span", StringComparison.Ordinal) && l.Contains("finished", StringComparison.Ordinal));
        Assert.Contains(listed.Split('\n'), l => l.Contains("stride-classifier", StringComparison.Ordinal) && l.Contains("experiment", StringComparison.Ordinal));
        Assert.Equal(Path.GetFullPath(result.PretrainRun), Flint.Tracking.RunSummary.Read(result.FinetuneRun).Parent);
        Assert.True(File.Exists(result.Report));
        Assert.Contains("stride-classifier", File.ReadAllText(result.Report));
    }
}
