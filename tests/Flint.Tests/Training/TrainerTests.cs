using Flint.Optim;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

public sealed class TrainerTests
{
    static TrainerOptions Quiet(long steps) => new() { MaxSteps = steps, ProgressBar = false, SanityValidationBatches = 0, LogEveryNSteps = 5 };

    static TinyTokenModel Model(int seed = 0, Func<TinyTokenModel, OptimizerPlan, OptimizerSetup>? configure = null)
    {
        manual_seed(seed);
        return new TinyTokenModel(configure: configure);
    }

    static Dictionary<string, float[]> Weights(TinyTokenModel m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    [Fact]
    public void Fit_trains_a_tiny_model_and_the_loss_falls()
    {
        using var trainer = new Trainer(Quiet(60));
        var model = Model(configure: (m, plan) => Optimizers.AdamW(ParameterGroups.WithWeightDecay(m, 0.01), lr: 0.05));
        var data = TinyData.Batches(4, 16);
        var result = trainer.Fit(model, data);

        var losses = result.Series("train/loss");
        Assert.Equal(60, result.Steps);
        Assert.Equal("max steps (60) reached", result.StopReason);
        Assert.True(losses[^1].Value < losses[0].Value * 0.7, $"loss {losses[0].Value} -> {losses[^1].Value}");
    }

    [Fact]
    public void Batch_32_equals_batch_8_times_accumulate_4_for_a_padded_token_loss()
    {
        var whole = TinyData.Tokens(32, seed: 7);
        OptimizerSetup Sgd(TinyTokenModel m, OptimizerPlan _) => Optimizers.Sgd(ParameterGroups.Single(m), lr: 0.5, momentum: 0);

        var big = Model(3, Sgd);
        using (var t = new Trainer(Quiet(1))) t.Fit(big, [whole]);
        var accumulated = Model(3, Sgd);
        using (var t = new Trainer(Quiet(1) with { AccumulateGradBatches = 4 })) t.Fit(accumulated, TinyData.Split(whole, 8));

        var a = Weights(big);
        var b = Weights(accumulated);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys)
            for (int i = 0; i < a[key].Length; i++)
                Assert.True(Math.Abs(a[key][i] - b[key][i]) < 1e-6, $"{key}[{i}]: {a[key][i]} vs {b[key][i]}");
        // And the weights moved, so the comparison means something.
        var initial = Weights(Model(3, Sgd));
        Assert.Contains(a.Keys, k => a[k].Zip(initial[k]).Any(p => p.First != p.Second));
    }

    [Fact]
    public void Logged_train_loss_is_the_exact_token_mean_not_a_mean_of_batch_means()
    {
        // Two batches with very different numbers of real tokens, and a zero learning rate so the model is fixed.
        var data = new List<TokenBatch> { TinyData.Tokens(2, seed: 1), TinyData.Tokens(30, seed: 2) };
        OptimizerSetup Frozen(TinyTokenModel m, OptimizerPlan _) => Optimizers.Sgd(ParameterGroups.Single(m), lr: 1e-30, momentum: 0);
        var model = Model(5, Frozen);
        using var trainer = new Trainer(Quiet(2) with { LogEveryNSteps = 2 });
        var logged = trainer.Fit(model, data).Series("train/loss").First().Value;

        double sum = 0, count = 0;
        using (no_grad())
            foreach (var b in data)
            {
                var logits = model.Logits(b.Input);
                sum += nn.functional.cross_entropy(logits.flatten(0, 1), b.Target.flatten(), ignore_index: TinyTokenModel.Pad, reduction: nn.Reduction.Sum).item<float>();
                count += b.Target.ne(TinyTokenModel.Pad).sum().item<long>();
            }
        Assert.Equal(sum / count, logged, 4);
    }

    [Fact]
    public void Stops_by_epochs_tokens_and_time()
    {
        var data = TinyData.Batches(3, 4);
        using (var t = new Trainer(new TrainerOptions { MaxEpochs = 2, ProgressBar = false }))
        {
            var r = t.Fit(Model(), data);
            Assert.Equal(6, r.Steps);
            Assert.Equal("max epochs (2) reached", r.StopReason);
        }
        using (var t = new Trainer(new TrainerOptions { MaxTokens = 100, ProgressBar = false }))
        {
            var r = t.Fit(Model(), data); // 24 tokens per batch: 5 steps reach 120
            Assert.Equal(5, r.Steps);
            Assert.StartsWith("max tokens", r.StopReason);
        }
        var clock = new ManualClock();
        using (var t = new Trainer(new TrainerOptions { MaxTime = TimeSpan.FromSeconds(10), ProgressBar = false }, time: clock))
        {
            t.Events.BatchEnded.Subscribe((_, _) => clock.Advance(TimeSpan.FromSeconds(3)));
            var r = t.Fit(Model(), data);
            Assert.Equal(4, r.Steps); // 3, 6, 9, 12 seconds
            Assert.StartsWith("max time", r.StopReason);
        }
    }

    [Fact]
    public void Fast_dev_run_runs_one_batch_of_each_and_writes_nothing()
    {
        var sink = new ListSink();
        int validations = 0;
        using var trainer = new Trainer(new TrainerOptions { FastDevRun = true }, sinks: [sink]);
        trainer.Events.ValidationEnded.Subscribe((_, _) => validations++);
        var result = trainer.Fit(Model(), TinyData.Batches(5, 4), TinyData.Batches(5, 4, seed: 2));
        Assert.Equal(1, result.Steps);
        Assert.Equal(1, validations);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public void Overfit_batches_reuses_the_first_batches_and_drives_the_loss_down()
    {
        using var trainer = new Trainer(Quiet(150) with { OverfitBatches = 1, LogEveryNSteps = 50 });
        var result = trainer.Fit(Model(configure: (m, _) => Optimizers.AdamW(ParameterGroups.WithWeightDecay(m, 0.0), lr: 0.05)), TinyData.Batches(10, 8));
        Assert.Equal(150, result.Steps);
        Assert.Equal(150, result.Epochs); // one batch per epoch
        Assert.True(result.Series("train/loss")[^1].Value < 0.5, $"final loss {result.Series("train/loss")[^1].Value}");
        Assert.True(result.LastValidation["val/loss"] < 0.5);
    }

    [Fact]
    public void Sanity_validation_runs_before_training_and_is_not_logged()
    {
        var sink = new ListSink();
        var seen = new List<(long Step, bool Sanity)>();
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 2, ProgressBar = false, ValidateEveryEpoch = false }, sinks: [sink]);
        trainer.Events.ValidationEnded.Subscribe((e, _) => seen.Add((e.Step, e.IsSanityCheck)));
        trainer.Fit(Model(), TinyData.Batches(4, 4), TinyData.Batches(3, 4, seed: 9));
        Assert.Equal([(0L, true)], seen);
        Assert.DoesNotContain(sink.Records, r => r.Name.StartsWith("val/", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_every_n_steps_logs_val_loss_with_its_step()
    {
        using var trainer = new Trainer(Quiet(6) with { ValidateEveryNSteps = 3, ValidateEveryEpoch = false });
        var result = trainer.Fit(Model(), TinyData.Batches(4, 4), TinyData.Batches(2, 4, seed: 3));
        Assert.Equal([3L, 6L], result.Series("val/loss").Select(r => r.Step));
    }

    [Fact]
    public void Clipping_by_norm_bounds_the_update_and_reports_the_norm_before_clipping()
    {
        var norms = new List<float>();
        var clipped = new List<float>();
        OptimizerSetup Sgd(TinyTokenModel m, OptimizerPlan _) => Optimizers.Sgd(ParameterGroups.Single(m), lr: 1.0, momentum: 0);
        using var trainer = new Trainer(Quiet(3) with { GradientClipNorm = 0.01 });
        trainer.Events.BeforeOptimizerStep.Subscribe((e, ctx) =>
        {
            norms.Add(e.GradNorm!.item<float>());
            var total = stack(ctx.Optimizer!.Parameters.Select(p => p.grad!.norm()).ToArray()).norm().item<float>();
            clipped.Add(total);
        });
        trainer.Fit(Model(configure: Sgd), TinyData.Batches(3, 8));
        Assert.All(norms, n => Assert.True(n > 0.01));
        Assert.All(clipped, n => Assert.True(n <= 0.0101, $"norm after clipping {n}"));
    }

    [Fact]
    public void Predict_returns_one_cpu_tensor_per_batch()
    {
        using var trainer = new Trainer(Quiet(1));
        var predictions = trainer.Predict(Model(), TinyData.Batches(3, 4));
        Assert.Equal(3, predictions.Count);
        Assert.All(predictions, p => Assert.Equal(new long[] { 4, 6 }, p.shape));
    }

    [Fact]
    public void Test_returns_the_exact_test_loss()
    {
        using var trainer = new Trainer(Quiet(1));
        var metrics = trainer.Test(Model(), TinyData.Batches(2, 4));
        Assert.True(metrics["test/loss"] > 0);
    }
}
