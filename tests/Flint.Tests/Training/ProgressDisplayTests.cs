using Flint.Training;
using Flint.Training.Callbacks;

namespace Flint.Tests.Training;

public sealed class ProgressDisplayTests
{
    [Fact]
    public void Redirected_output_gets_one_plain_line_per_flush_with_step_loss_lr_and_eta()
    {
        var plain = new StringWriter();
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 6, LogEveryNSteps = 3, ProgressBar = false, ValidateEveryNSteps = 3 },
            [new ProgressDisplay(live: false, plain: plain), new LearningRateMonitor()]);
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(6, 2), TinyData.Batches(1, 2));
        var lines = plain.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Training ", lines[0]);
        Assert.Contains(" for 6 steps", lines[0]);
        Assert.Matches(@"^step 3/6 \| loss \d+\.\d{4} \| lr \d\.\d\de-\d \| ETA \d\d:\d\d:\d\d$", lines[1]);
        Assert.Matches(@"^step 3/6 \| validation: val/loss \d+\.\d{4}$", lines[2]);
        Assert.StartsWith("Stopped at step 6: max steps (6) reached", lines[^1]);
    }
}
