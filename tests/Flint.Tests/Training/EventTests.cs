using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;

namespace Flint.Tests.Training;

public sealed class EventTests
{
    static Trainer Quiet(long steps, IEnumerable<Callback>? callbacks = null) =>
        new(new TrainerOptions { MaxSteps = steps, ProgressBar = false, SanityValidationBatches = 0 }, callbacks);

    [Fact]
    public void Every_and_once_filters_count_optimizer_steps()
    {
        var every = new List<long>();
        var once = new List<long>();
        var when = new List<long>();
        using var trainer = Quiet(10);
        trainer.Events.BatchEnded.Subscribe((e, _) => every.Add(e.Step), filter: EventFilter.Every(3));
        trainer.Events.BatchEnded.Subscribe((e, _) => once.Add(e.Step), filter: EventFilter.Once(7));
        trainer.Events.BatchEnded.Subscribe((e, _) => when.Add(e.Step), filter: EventFilter.When(i => i > 8));
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(10, 2));
        Assert.Equal([3L, 6, 9], every);
        Assert.Equal([7L], once);
        Assert.Equal([9L, 10], when);
    }

    [Fact]
    public void Handlers_run_by_order_then_subscription_and_disposing_removes_them()
    {
        var calls = new List<string>();
        using var trainer = Quiet(2);
        trainer.Events.BatchEnded.Subscribe((_, _) => calls.Add("late"), order: 10);
        trainer.Events.BatchEnded.Subscribe((_, _) => calls.Add("early"), order: -5);
        var removed = trainer.Events.BatchEnded.Subscribe((_, _) => calls.Add("removed"), order: 0);
        trainer.Events.BatchEnded.Subscribe((_, _) => calls.Add("middle"), order: 0);
        removed.Dispose();
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(2, 2));
        Assert.Equal(["early", "middle", "late", "early", "middle", "late"], calls);
    }

    [Fact]
    public void Events_fire_in_the_documented_order()
    {
        var fired = new List<string>();
        using var trainer = new Trainer(new TrainerOptions { MaxEpochs = 1, ProgressBar = false, SanityValidationBatches = 1, LogEveryNSteps = 2 });
        var e = trainer.Events;
        e.FitStarted.Subscribe((_, _) => fired.Add("FitStarted"));
        e.EpochStarted.Subscribe((_, _) => fired.Add("EpochStarted"));
        e.BatchStarted.Subscribe((_, _) => fired.Add("BatchStarted"));
        e.BeforeBackward.Subscribe((_, _) => fired.Add("BeforeBackward"));
        e.BeforeOptimizerStep.Subscribe((_, _) => fired.Add("BeforeOptimizerStep"));
        e.BatchEnded.Subscribe((_, _) => fired.Add("BatchEnded"));
        e.LogsFlushed.Subscribe((_, _) => fired.Add("LogsFlushed"));
        e.ValidationStarted.Subscribe((v, _) => fired.Add(v.IsSanityCheck ? "SanityStarted" : "ValidationStarted"));
        e.ValidationEnded.Subscribe((v, _) => fired.Add(v.IsSanityCheck ? "SanityEnded" : "ValidationEnded"));
        e.EpochEnded.Subscribe((_, _) => fired.Add("EpochEnded"));
        e.FitEnded.Subscribe((_, _) => fired.Add("FitEnded"));
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(2, 2), TinyData.Batches(1, 2));
        string[] step = ["BatchStarted", "BeforeBackward", "BeforeOptimizerStep", "BatchEnded"];
        Assert.Equal(
            ["FitStarted", "SanityStarted", "SanityEnded", "EpochStarted", .. step, .. step, "LogsFlushed",
             "ValidationStarted", "LogsFlushed", "ValidationEnded", "LogsFlushed", "EpochEnded", "FitEnded"],
            fired);
    }

    [Fact]
    public void A_handler_requests_validation_and_stop_and_the_loop_decides_when()
    {
        var validatedAt = new List<long>();
        using var trainer = Quiet(100);
        trainer.Events.BatchEnded.Subscribe((e, ctx) => ctx.Control.RequestValidation(), filter: EventFilter.Once(2));
        trainer.Events.BatchEnded.Subscribe((e, ctx) => ctx.Control.RequestStop("enough"), filter: EventFilter.Once(4));
        trainer.Events.ValidationEnded.Subscribe((e, _) => validatedAt.Add(e.Step));
        var result = trainer.Fit(new TinyTokenModel(), TinyData.Batches(100, 2), TinyData.Batches(1, 2));
        Assert.Equal(4, result.Steps);
        Assert.Equal("enough", result.StopReason);
        Assert.Equal([2L, 4], validatedAt); // on request at 2; and the closing validation at 4
    }

    [Fact]
    public void Exception_raised_fires_before_the_exception_propagates_and_fit_ended_still_fires()
    {
        var seen = new List<string>();
        using var trainer = Quiet(5);
        trainer.Events.BatchEnded.Subscribe((e, _) => throw new InvalidOperationException("boom"), filter: EventFilter.Once(2));
        trainer.Events.ExceptionRaised.Subscribe((e, _) => seen.Add($"exception at {e.Step}: {e.Exception.Message}"));
        trainer.Events.FitEnded.Subscribe((e, _) => seen.Add($"ended: {e.Reason}"));
        Assert.Throws<InvalidOperationException>(() => trainer.Fit(new TinyTokenModel(), TinyData.Batches(5, 2)));
        Assert.Equal(["exception at 2: boom", "ended: exception: InvalidOperationException: boom"], seen);
    }

    [Fact]
    public void Describe_loop_lists_events_in_firing_order_with_their_handlers()
    {
        using var trainer = new Trainer(
            new TrainerOptions { MaxSteps = 10, ProgressBar = true, GradientClipNorm = 1.0, AccumulateGradBatches = 2, ValidateEveryNSteps = 5 },
            [new EarlyStopping(), new LearningRateMonitor(every: 10), new NonFiniteGuard()]);
        var text = trainer.DescribeLoop();
        string[] order = ["FitStarted", "EpochStarted", "BatchStarted", "BeforeBackward", "BeforeOptimizerStep", "BatchEnded", "LogsFlushed",
            "ValidationStarted", "ValidationEnded", "CheckpointSaved", "EpochEnded", "FitEnded", "ExceptionRaised"];
        var positions = order.Select(name => text.IndexOf("-> " + name, StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.OrderBy(p => p), positions);
        Assert.Contains("[ 10] LearningRateMonitor (every 10)", text);
        Assert.Contains("[ 50] EarlyStopping", text);
        Assert.Contains("[-10] NonFiniteGuard", text);
        Assert.Contains("[100] ProgressDisplay", text);
        Assert.Contains("clip gradient norm to 1", text);
        Assert.Contains("scale gradients by 1/Σcount", text);
        // The guard's handler sits on BeforeOptimizerStep, before anything listed under BatchEnded.
        Assert.True(text.IndexOf("NonFiniteGuard", text.IndexOf("-> BeforeOptimizerStep", StringComparison.Ordinal), StringComparison.Ordinal)
                    < text.IndexOf("-> BatchEnded", StringComparison.Ordinal));
    }
}
