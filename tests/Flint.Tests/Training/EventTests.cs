using Flint.Logging;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

public sealed class EventTests
{
    static Trainer Quiet(long steps, IEnumerable<Callback>? callbacks = null) =>
        new(new TrainerOptions { MaxSteps = steps, ProgressBar = false, SanityValidationBatches = 0 }, callbacks);

    // Events fired directly, without a Trainer: what a handler sees is only the payload and this context.
    static LoopContext Context() => new(new TrainerState(), new TrainerControl(), new MetricLog(), CPU);

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
    public void Once_counts_firings_so_it_runs_once_in_a_step_of_three_micro_batches()
    {
        var events = new TrainerEvents();
        var once = new List<(long, int)>();
        var every = new List<(long, int)>();
        var when = new List<(long, int)>();
        events.BeforeBackward.Subscribe((e, _) => once.Add((e.Step, e.MicroBatch)), filter: EventFilter.Once(1));
        events.BeforeBackward.Subscribe((e, _) => every.Add((e.Step, e.MicroBatch)), filter: EventFilter.Every(3));
        events.BeforeBackward.Subscribe((e, _) => when.Add((e.Step, e.MicroBatch)), filter: EventFilter.When(i => i == 1));
        var ctx = Context();
        using var loss = zeros([]);
        for (long step = 0; step < 2; step++)
            for (int micro = 0; micro < 3; micro++) // accumulation 3: the payload's Index is step + 1 for all three
                events.BeforeBackward.Fire(new BeforeBackward(step, micro, loss), ctx);
        Assert.Equal([(0L, 0)], once);
        Assert.Equal([(0L, 2), (1L, 2)], every); // the 3rd and 6th firings
        Assert.Equal([(0L, 0), (0L, 1), (0L, 2)], when); // When is judged on the payload's Index, as documented
    }

    [Fact]
    public void Each_subscription_counts_its_own_firings_even_when_two_share_a_filter()
    {
        var events = new TrainerEvents();
        var early = new List<long>();
        var late = new List<long>();
        var everySecond = EventFilter.Every(2);
        var ctx = Context();
        using var loss = zeros([]);
        events.BatchEnded.Subscribe((e, _) => early.Add(e.Step), filter: everySecond);
        events.BatchEnded.Fire(new BatchEnded(1, loss, 1, 1, false), ctx);
        events.BatchEnded.Subscribe((e, _) => late.Add(e.Step), filter: everySecond);
        for (long step = 2; step <= 5; step++) events.BatchEnded.Fire(new BatchEnded(step, loss, 1, 1, false), ctx);
        Assert.Equal([2L, 4], early);
        Assert.Equal([3L, 5], late); // its 2nd and 4th firings
    }

    [Fact]
    public void Every_step_follows_the_payload_step_so_a_resumed_run_keeps_its_cadence()
    {
        var events = new TrainerEvents();
        var byStep = new List<long>();
        var byFiring = new List<long>();
        events.BatchStarted.Subscribe((e, _) => byStep.Add(e.Step + 1), filter: EventFilter.EveryStep(3));
        events.BatchStarted.Subscribe((e, _) => byFiring.Add(e.Step + 1), filter: EventFilter.Every(3));
        var ctx = Context();
        for (long step = 4; step < 10; step++) events.BatchStarted.Fire(new BatchStarted(step, 0.1), ctx); // resumed after step 4
        Assert.Equal([6L, 9], byStep);
        Assert.Equal([7L, 10], byFiring);
        Assert.Equal("every 3 steps", events.BatchStarted.Handlers[0].Filter);
    }

    [Fact]
    public void A_throwing_handler_does_not_skip_the_next_one_and_its_exception_surfaces_with_its_own_stack()
    {
        var events = new TrainerEvents();
        bool secondRan = false;
        events.FitEnded.Subscribe((_, _) => FailInHandler("first"), order: 0);
        events.FitEnded.Subscribe((_, _) => secondRan = true, order: 1);
        var error = Assert.Throws<InvalidOperationException>(() => events.FitEnded.Fire(new FitEnded(3, "done"), Context()));
        Assert.True(secondRan);
        Assert.Equal("first", error.Message);
        Assert.Contains(nameof(FailInHandler), error.StackTrace);
    }

    [Fact]
    public void Several_throwing_handlers_surface_together_as_an_aggregate_in_handler_order()
    {
        var events = new TrainerEvents();
        bool lastRan = false;
        events.FitEnded.Subscribe((_, _) => FailInHandler("second"), order: 2);
        events.FitEnded.Subscribe((_, _) => FailInHandler("first"), order: 1);
        events.FitEnded.Subscribe((_, _) => lastRan = true, order: 3);
        var error = Assert.Throws<AggregateException>(() => events.FitEnded.Fire(new FitEnded(3, "done"), Context()));
        Assert.True(lastRan);
        Assert.Equal(["first", "second"], error.InnerExceptions.Select(e => e.Message));
        Assert.Contains("FitEnded", error.Message);
    }

    static void FailInHandler(string message) => throw new InvalidOperationException(message);

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
        Assert.Contains("[ 10] LearningRateMonitor (every 10 steps)", text);
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
