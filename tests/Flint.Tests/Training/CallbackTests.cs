using Flint.Checkpoints;
using Flint.Optim;
using Flint.Optim.Schedules;
using Flint.Training;
using Flint.Training.Callbacks;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

public sealed class CallbackTests
{
    static TrainerOptions Options(long steps) => new() { MaxSteps = steps, ProgressBar = false, SanityValidationBatches = 0, LogEveryNSteps = 1 };

    [Fact]
    public void Early_stopping_stops_after_patience_validations_without_improvement()
    {
        var model = new ScriptedValidationModel(1.0, 0.5, 0.6, 0.55, 0.7, 0.1);
        var early = new EarlyStopping("val/loss", MonitorMode.Min, patience: 3);
        using var trainer = new Trainer(Options(100) with { ValidateEveryNSteps = 1, ValidateEveryEpoch = false }, [early]);
        trainer.Events.ValidationEnded.Subscribe((_, _) => model.Advance(), order: 1000);

        var result = trainer.Fit(model, TinyData.Batches(50, 2), TinyData.Batches(1, 2));

        Assert.Equal(5, result.Steps); // best 0.5 at validation 2, then 0.6, 0.55, 0.7
        Assert.StartsWith("early stopping: val/loss", result.StopReason);
        Assert.Equal(0.5, early.Best);
    }

    [Fact]
    public void Early_stopping_state_round_trips()
    {
        var early = new EarlyStopping("val/accuracy", MonitorMode.Max, patience: 5);
        var model = new ScriptedValidationModel(0.3, 0.2);
        using (var trainer = new Trainer(Options(2) with { ValidateEveryNSteps = 1, ValidateEveryEpoch = false }, [new EarlyStopping("val/loss", MonitorMode.Max, 5)]))
        {
            trainer.Events.ValidationEnded.Subscribe((_, _) => model.Advance(), order: 1000);
            trainer.Fit(model, TinyData.Batches(4, 2), TinyData.Batches(1, 2));
        }
        var saved = new EarlyStopping("val/loss", MonitorMode.Max, 5);
        saved.LoadState(new System.Text.Json.Nodes.JsonObject { ["best"] = 0.75, ["wait"] = 2 });
        var copy = new EarlyStopping("val/loss", MonitorMode.Max, 5);
        copy.LoadState(saved.SaveState());
        Assert.Equal(0.75, copy.Best);
        Assert.Equal(2, copy.Wait);
        Assert.Equal("callback/early_stopping/val/accuracy", early.StateKey);
    }

    [Fact]
    public void Early_stopping_on_a_metric_validation_never_logs_names_the_logged_ones()
    {
        using var trainer = new Trainer(Options(5) with { ValidateEveryNSteps = 1 }, [new EarlyStopping("val/acc")]);
        var error = Assert.Throws<InvalidOperationException>(() =>
            trainer.Fit(new TinyTokenModel(), TinyData.Batches(5, 2), TinyData.Batches(1, 2)));
        Assert.Contains("'val/acc'", error.Message);
        Assert.Contains("val/loss", error.Message);
    }

    [Fact]
    public void Lr_monitor_logs_the_scheduled_learning_rate_of_every_group()
    {
        var schedule = new WarmupCosineSchedule(WarmupSteps: 4, TotalSteps: 10);
        OptimizerSetup Setup(TinyTokenModel m, OptimizerPlan _) =>
            Optimizers.AdamW(ParameterGroups.WithWeightDecay(m, 0.1, name => name.StartsWith("head", StringComparison.Ordinal) ? 1.0 : 0.5), lr: 0.01, schedule: schedule);
        using var trainer = new Trainer(Options(10), [new LearningRateMonitor()]);
        var result = trainer.Fit(new TinyTokenModel(configure: Setup), TinyData.Batches(10, 2));

        var lrs = result.Series("lr");
        Assert.Equal(10, lrs.Count);
        for (int step = 0; step < 10; step++)
            Assert.Equal(0.01 * schedule.Multiplier(step), lrs[step].Value, 12);
        Assert.Contains(result.History, r => r.Name == "lr/decay@x1"); // head.weight; embeddings never decay
        Assert.DoesNotContain(result.History, r => r.Name == "lr/decay@x0.5");
        var half = result.Series("lr/no_decay@x0.5");
        Assert.Equal(0.005 * schedule.Multiplier(9), half[^1].Value, 12);
    }

    [Fact]
    public void Lr_monitor_every_3_steps_still_logs_at_steps_6_and_9_after_resuming_from_step_4()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = new CheckpointOptions(folder.File("ckpt"));
        var schedule = new WarmupCosineSchedule(WarmupSteps: 4, TotalSteps: 10);
        OptimizerSetup Setup(TinyTokenModel m, OptimizerPlan _) => Optimizers.AdamW(ParameterGroups.Single(m), lr: 0.01, schedule: schedule);
        var data = TinyData.Batches(10, 2);
        using (var first = new Trainer(Options(10) with { LogEveryNSteps = 3 }, [new LearningRateMonitor(every: 3)], checkpoints: checkpoints))
        {
            first.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == 4) ctx.Control.RequestInterrupt(); });
            Assert.Equal(4, first.Fit(new TinyTokenModel(configure: Setup), data).Steps);
        }
        using var resumed = new Trainer(Options(10) with { LogEveryNSteps = 3 }, [new LearningRateMonitor(every: 3)], checkpoints: checkpoints);
        var lrs = resumed.Fit(new TinyTokenModel(configure: Setup), data, resume: "last").Series("lr");
        Assert.Equal([6L, 9], lrs.Select(r => r.Step));
        // The value is the LR the step ran with: step 6 ran with the schedule at 5 completed steps.
        Assert.Equal(0.01 * schedule.Multiplier(5), lrs[0].Value, 12);
        Assert.Equal(0.01 * schedule.Multiplier(8), lrs[1].Value, 12);
    }

    [Fact]
    public void Throughput_monitor_reports_tokens_per_second_and_mfu_when_flops_are_declared()
    {
        var throughput = new ThroughputMonitor(every: 2, peakFlops: 1e9);
        using var trainer = new Trainer(Options(6), [throughput]);
        var result = trainer.Fit(new FlopsModel(), TinyData.Batches(6, 4));
        Assert.Equal(3, result.Series("throughput/tokens_per_s").Count);
        Assert.All(result.Series("throughput/tokens_per_s"), r => Assert.True(r.Value > 0));
        var mfu = result.Series("throughput/mfu");
        Assert.Equal(3, mfu.Count);
        Assert.Equal(throughput.TokensPerSecond * 1000 / 1e9, mfu[^1].Value, 9);
    }

    sealed class FlopsModel : FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner;
        public FlopsModel() : base("flops")
        {
            inner = new TinyTokenModel();
            RegisterComponents();
        }
        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx) => inner.TrainingStep(batch, ctx);
        public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) => Optimizers.Sgd(ParameterGroups.Single(inner), lr: 0.01);
        public override double? FlopsPerToken => 1000;
    }

    [Fact]
    public void Gradient_norm_monitor_logs_a_positive_norm_without_clipping()
    {
        using var trainer = new Trainer(Options(3), [new GradientNormMonitor()]);
        var result = trainer.Fit(new TinyTokenModel(), TinyData.Batches(3, 4));
        Assert.Equal(3, result.Series("grad_norm").Count);
        Assert.All(result.Series("grad_norm"), r => Assert.True(r.Value > 0));
    }

    [Fact]
    public void Gradient_norm_monitor_never_logs_the_norm_of_a_step_the_guard_skipped()
    {
        var model = new PoisonedModel(poisonAtStep: 3, poisonedSteps: 1);
        var guard = new NonFiniteGuard(skipStep: true);
        using var trainer = new Trainer(Options(6), [new GradientNormMonitor(), guard]);
        var result = trainer.Fit(model, TinyData.Batches(6, 4));
        Assert.Equal(1, guard.SkippedSteps);
        var norms = result.Series("grad_norm");
        Assert.All(norms, r => Assert.True(double.IsFinite(r.Value), $"grad_norm at step {r.Step} is {r.Value}"));
        Assert.Equal([1L, 2, 4, 5, 6], norms.Select(r => r.Step)); // no record for the skipped step 3
    }

    [Fact]
    public void Gradient_norm_monitor_leaves_a_skipped_step_out_of_the_window_mean()
    {
        var model = new PoisonedModel(poisonAtStep: 3, poisonedSteps: 1);
        using var trainer = new Trainer(Options(4) with { LogEveryNSteps = 4, GradientClipNorm = 100.0 }, [new GradientNormMonitor(), new NonFiniteGuard(skipStep: true)]);
        var result = trainer.Fit(model, TinyData.Batches(4, 4));
        var norm = Assert.Single(result.Series("grad_norm"));
        Assert.True(double.IsFinite(norm.Value), $"grad_norm over steps 1-4 is {norm.Value}");
    }

    [Fact]
    public void Non_finite_guard_stops_at_the_exact_step_and_names_the_gradient()
    {
        var model = new PoisonedModel(poisonAtStep: 3);
        using var trainer = new Trainer(Options(10) with { LogEveryNSteps = 50 }, [new NonFiniteGuard()]);
        var result = trainer.Fit(model, TinyData.Batches(10, 4));
        Assert.Equal(3, result.Steps);
        Assert.Contains("step 3", result.StopReason);
        Assert.Contains("gradient of 'inner.", result.StopReason);
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>(), "the poisoned update was applied"));
    }

    [Fact]
    public void Non_finite_guard_in_skip_mode_drops_bad_steps_and_keeps_training()
    {
        var model = new PoisonedModel(poisonAtStep: 3);
        var guard = new NonFiniteGuard(skipStep: true);
        using var trainer = new Trainer(Options(6) with { LogEveryNSteps = 50 }, [guard]);
        var result = trainer.Fit(model, TinyData.Batches(10, 4));
        Assert.Equal(6, result.Steps);
        Assert.Equal(4, guard.SkippedSteps);
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void Without_the_guard_a_nan_loss_still_stops_training_at_the_next_flush()
    {
        using var trainer = new Trainer(Options(20) with { LogEveryNSteps = 4 });
        var error = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(new PoisonedModel(poisonAtStep: 2), TinyData.Batches(20, 4)));
        Assert.Contains("up to 4", error.Message);
    }

    [Fact]
    public void Timer_logs_training_and_validation_time()
    {
        var timer = new Flint.Training.Callbacks.Timer();
        var sink = new ListSink();
        using var trainer = new Trainer(Options(3), [timer], [sink]);
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(3, 4), TinyData.Batches(1, 4));
        Assert.Contains(sink.Records, r => r.Name == "time/train_s" && r.Value > 0);
        Assert.Contains(sink.Records, r => r.Name == "time/validation_s" && r.Value > 0);
        Assert.True(timer.Total >= timer.Training);
    }
}
