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
}
