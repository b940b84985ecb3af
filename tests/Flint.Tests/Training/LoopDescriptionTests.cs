using Flint.Checkpoints;
using Flint.Training;
using Flint.Training.Callbacks;

namespace Flint.Tests.Training;

/// <summary>The printed loop is the loop: an instrumented run fires its events in an order the description allows.</summary>
public sealed class LoopDescriptionTests
{
    /// <summary>Events that start a repeated block of the description (epoch, step, micro-batch), where firing may go back up.</summary>
    static readonly string[] LoopHeads = ["EpochStarted", "BatchStarted", "BeforeBackward"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_instrumented_run_fires_its_events_in_the_order_describe_loop_prints(bool interrupt)
    {
        using var folder = TestPaths.NewTempFolder();
        var options = new TrainerOptions { MaxEpochs = 2, AccumulateGradBatches = 2, ValidateEveryNSteps = 2, LogEveryNSteps = 2, ProgressBar = false };
        using var trainer = new Trainer(options, [new EarlyStopping(patience: 50)],
            checkpoints: new CheckpointOptions(folder.File("ckpt"), EveryNSteps: 3, Monitor: "val/loss", TopK: 1));
        var fired = new List<string>();
        var events = trainer.Events;
        events.FitStarted.Subscribe((_, _) => fired.Add("FitStarted"));
        events.EpochStarted.Subscribe((_, _) => fired.Add("EpochStarted"));
        events.BatchStarted.Subscribe((_, _) => fired.Add("BatchStarted"));
        events.BeforeBackward.Subscribe((_, _) => fired.Add("BeforeBackward"));
        events.BeforeOptimizerStep.Subscribe((_, _) => fired.Add("BeforeOptimizerStep"));
        events.BatchEnded.Subscribe((e, ctx) => { fired.Add("BatchEnded"); if (interrupt && e.Step == 4) ctx.Control.RequestInterrupt(); });
        events.LogsFlushed.Subscribe((_, _) => fired.Add("LogsFlushed"));
        events.ValidationStarted.Subscribe((_, _) => fired.Add("ValidationStarted"));
        events.ValidationEnded.Subscribe((_, _) => fired.Add("ValidationEnded"));
        events.CheckpointSaved.Subscribe((_, _) => fired.Add("CheckpointSaved"));
        events.EpochEnded.Subscribe((_, _) => fired.Add("EpochEnded"));
        events.FitEnded.Subscribe((_, _) => fired.Add("FitEnded"));
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(5, 4), TinyData.Batches(2, 4, seed: 3));

        // Each event's positions in the description, in print order.
        var lines = trainer.DescribeLoop().Split(Environment.NewLine);
        var positions = lines.Select((line, i) => (Line: line.Trim(), Index: i)).Where(l => l.Line.StartsWith("-> ", StringComparison.Ordinal))
            .GroupBy(l => l.Line[3..]).ToDictionary(g => g.Key, g => g.Select(l => l.Index).ToList());
        int at = -1;
        foreach (var name in fired)
        {
            Assert.True(positions.ContainsKey(name), $"{name} fired but DescribeLoop does not list it");
            // Forward to the next place the description lists this event, or back to the head of a repeated block.
            int next = positions[name].Where(p => p > at).DefaultIfEmpty(-1).First();
            if (next < 0 && LoopHeads.Contains(name)) next = positions[name][0];
            Assert.True(next >= 0, $"{name} fired after line {at} ('{(at >= 0 ? lines[at].Trim() : "start")}') but the description lists it nowhere after that. Fired: {string.Join(" ", fired)}");
            at = next;
        }
        Assert.Equal("FitEnded", fired[^1]);
        Assert.Contains("CheckpointSaved", fired);
    }
}
