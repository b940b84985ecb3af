using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;
using TorchSharp;

namespace Flint.Tests.Training;

public sealed class LeakTests
{
    [Fact]
    public void After_500_steps_the_live_tensor_count_is_back_to_its_level_after_step_1()
    {
        long afterFirst = -1, afterLast = -1;
        var options = new TrainerOptions { MaxSteps = 501, ProgressBar = false, LogEveryNSteps = 50, GradientClipNorm = 1.0 };
        using var trainer = new Trainer(options, [new LearningRateMonitor(), new GradientNormMonitor(), new ThroughputMonitor(), new NonFiniteGuard()]);
        // BatchStarted of step N+1 is outside every step scope: what is alive then is what the loop keeps.
        trainer.Events.BatchStarted.Subscribe((_, _) => afterFirst = DisposeScopeManager.Statistics.ThreadTotalLiveCount, filter: EventFilter.Once(2));
        trainer.Events.BatchStarted.Subscribe((_, _) => afterLast = DisposeScopeManager.Statistics.ThreadTotalLiveCount, filter: EventFilter.Once(501));
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(7, 4));
        Assert.True(afterFirst > 0);
        Assert.Equal(afterFirst, afterLast);
    }

    [Fact]
    public void Repeated_validation_runs_keep_the_live_tensor_count_flat()
    {
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 1, ProgressBar = false });
        var model = new TinyTokenModel();
        var data = TinyData.Batches(3, 4);
        trainer.Validate(model, data);
        long afterFirst = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) trainer.Validate(model, data);
        Assert.Equal(afterFirst, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Saving_a_checkpoint_every_step_keeps_the_live_tensor_count_flat()
    {
        using var folder = TestPaths.NewTempFolder();
        long afterFirst = -1, afterLast = -1;
        var options = new TrainerOptions { MaxSteps = 21, ProgressBar = false, LogEveryNSteps = 5 };
        using var trainer = new Trainer(options, checkpoints: new Flint.Checkpoints.CheckpointOptions(folder.File("ckpt"), EveryNSteps: 1));
        trainer.Events.BatchStarted.Subscribe((_, _) => afterFirst = DisposeScopeManager.Statistics.ThreadTotalLiveCount, filter: EventFilter.Once(2));
        trainer.Events.BatchStarted.Subscribe((_, _) => afterLast = DisposeScopeManager.Statistics.ThreadTotalLiveCount, filter: EventFilter.Once(21));
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(7, 4));
        Assert.True(afterFirst > 0);
        Assert.Equal(afterFirst, afterLast); // the RNG state read for each save is freed with it
    }
}
