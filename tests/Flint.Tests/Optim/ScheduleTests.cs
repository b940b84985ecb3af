using Flint.Optim.Schedules;

namespace Flint.Tests.Optim;

public sealed class ScheduleTests
{
    [Fact]
    public void Warmup_cosine_rises_linearly_peaks_then_decays_to_its_floor()
    {
        var s = new WarmupCosineSchedule(WarmupSteps: 10, TotalSteps: 110, MinRatio: 0.1);
        Assert.Equal(1 / 11.0, s.Multiplier(0), 12);
        Assert.Equal(10 / 11.0, s.Multiplier(9), 12);
        Assert.Equal(1.0, s.Multiplier(10), 12);
        Assert.Equal(0.55, s.Multiplier(60), 12); // half-way through the decay
        Assert.Equal(0.1, s.Multiplier(110), 12);
        Assert.Equal(0.1, s.Multiplier(500), 12);
    }

    [Fact]
    public void Warmup_linear_reaches_zero_at_the_end()
    {
        var s = new WarmupLinearSchedule(0, 100);
        Assert.Equal(1.0, s.Multiplier(0), 12);
        Assert.Equal(0.5, s.Multiplier(50), 12);
        Assert.Equal(0.0, s.Multiplier(100), 12);
    }

    [Fact]
    public void One_cycle_goes_up_then_down_with_momentum_moving_the_other_way()
    {
        var s = new OneCycleSchedule(TotalSteps: 100, PctStart: 0.25, DivFactor: 25, FinalDivFactor: 1e4);
        Assert.Equal(1 / 25.0, s.Multiplier(0), 12);
        Assert.Equal(1.0, s.Multiplier(25), 12);
        Assert.Equal(1 / 25.0 / 1e4, s.Multiplier(100), 12);
        Assert.Equal(0.95, s.Momentum(0)!.Value, 12);
        Assert.Equal(0.85, s.Momentum(25)!.Value, 12);
        Assert.Equal(0.95, s.Momentum(100)!.Value, 12);
        for (int i = 1; i <= 25; i++) Assert.True(s.Multiplier(i) > s.Multiplier(i - 1));
        for (int i = 26; i <= 100; i++) Assert.True(s.Multiplier(i) < s.Multiplier(i - 1));
    }

    [Fact]
    public void Inverse_sqrt_and_step_decay_follow_their_formulas()
    {
        var inv = new InverseSqrtSchedule(WarmupSteps: 16);
        Assert.Equal(16 / 17.0, inv.Multiplier(15), 12);
        Assert.Equal(1.0, inv.Multiplier(16), 12);
        Assert.Equal(0.5, inv.Multiplier(64), 12);
        var step = new StepDecaySchedule(StepSize: 10, Gamma: 0.5);
        Assert.Equal(1.0, step.Multiplier(9));
        Assert.Equal(0.25, step.Multiplier(20));
    }

    [Fact]
    public void Schedules_are_pure_functions_of_the_step()
    {
        ILrSchedule[] schedules = [new WarmupCosineSchedule(5, 50), new OneCycleSchedule(50), new InverseSqrtSchedule(5), new ConstantSchedule(3)];
        foreach (var s in schedules)
        {
            var forward = Enumerable.Range(0, 60).Select(i => s.Multiplier(i)).ToList();
            var backward = Enumerable.Range(0, 60).Reverse().Select(i => s.Multiplier(i)).Reverse().ToList();
            Assert.Equal(forward, backward);
        }
    }

    [Fact]
    public void Plateau_reduces_after_patience_and_its_state_round_trips()
    {
        var s = new PlateauSchedule(Factor: 0.5, Patience: 1);
        s.Report(1.0);
        s.Report(1.1);
        Assert.Equal(1.0, s.Multiplier(100));
        s.Report(1.2);
        Assert.Equal(0.5, s.Multiplier(100));
        var copy = new PlateauSchedule(Factor: 0.5, Patience: 1);
        copy.LoadState(s.SaveState());
        Assert.Equal(0.5, copy.Multiplier(7));
    }

    [Fact]
    public void Bad_schedule_settings_are_rejected_with_the_field_named()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(200, 100).Multiplier(0));
        Assert.Contains("Warmup steps (200) exceed total steps (100)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(100, PctStart: 1.5).Multiplier(0));
    }
}
