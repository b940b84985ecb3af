using Flint.Runtime.Native;

namespace MyIdea.Tests;

public sealed class MyIdeaTests
{
    [Fact]
    public void The_module_learns_the_toy_sentences()
    {
        var result = Experiment.Run(maxEpochs: 20, targetAccuracy: 1.01, progress: false);
        Assert.True(result.LastValidation["val/accuracy"] > 0.9, $"val/accuracy {result.LastValidation["val/accuracy"]}");
    }

    [Fact]
    public void The_callback_stops_training_once_the_target_is_reached()
    {
        var result = Experiment.Run(maxEpochs: 50, targetAccuracy: 0.8, progress: false);
        Assert.StartsWith("validation accuracy", result.StopReason);
        Assert.True(result.Epochs < 50);
    }

    [Fact]
    public void Libtorch_loads_on_this_machine()
    {
        var state = TorchNative.EnsureLoaded();   // on Debian 12 Flint fixes libLibTorchSharp.so first (docs/native-fix.md)
        Assert.NotEqual(NativeFixState.LibraryNotFound, state);
    }
}
