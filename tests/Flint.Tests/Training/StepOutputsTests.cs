using Flint.Logging;
using Flint.Metrics;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

/// <summary>What a step produced reaches handlers typed; what a step logs lands where its stage says; metrics live as long as they are registered.</summary>
public sealed class StepOutputsTests
{
    static TrainerOptions Quiet(long steps) => new() { MaxSteps = steps, ProgressBar = false, LogEveryNSteps = 2, SanityValidationBatches = 0, ValidateEveryEpoch = false };

    [Fact]
    public void Handlers_read_each_micro_batchs_outputs_typed_and_score_validation_like_the_step_does()
    {
        manual_seed(3);
        var model = new TwoTermModel();
        var validation = Enumerable.Range(0, 3).Select(i => TinyData.Tokens(5, seed: 90 + i)).ToList();
        using var trainer = new Trainer(Quiet(4) with { AccumulateGradBatches = 2, ValidateEveryNSteps = 2 });
        var perStep = new List<(int Outputs, long Rows, long Samples)>();
        trainer.Events.BatchEnded.Subscribe((e, _) =>
            perStep.Add((e.Outputs.Count, e.Outputs.All<TokenPredictions>().Sum(p => p.Predicted.shape[0]), e.Samples)));
        long correct = 0, total = 0;
        var byValidation = new List<double>();
        Tensor? kept = null;
        trainer.Events.ValidationBatchEnded.Subscribe((e, _) =>
        {
            var p = e.Outputs.Single<TokenPredictions>();
            var real = p.Target.ne(TinyTokenModel.Pad);
            correct += p.Predicted.eq(p.Target).logical_and(real).sum().item<long>();
            total += real.sum().item<long>();
            kept = p.Predicted; // not copied: freed with the step
        });
        trainer.Events.ValidationEnded.Subscribe((e, _) => { byValidation.Add(correct / (double)total); (correct, total) = (0, 0); });
        var result = trainer.Fit(model, TinyData.Batches(8, 4), validation);

        Assert.Equal(4, perStep.Count);
        Assert.All(perStep, s => Assert.Equal((2, s.Samples), (s.Outputs, s.Rows)));
        var logged = result.Series("val/accuracy").Select(r => r.Value).ToList();
        Assert.Equal(2, logged.Count);
        Assert.Equal(logged, byValidation, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.True(kept!.IsInvalid, "a tensor from a step's outputs outlived the step");
    }

    [Fact]
    public void Reading_outputs_a_step_did_not_set_says_how_to_set_them()
    {
        using var trainer = new Trainer(Quiet(1));
        Exception? seen = null;
        trainer.Events.BatchEnded.Subscribe((e, _) => seen = Record.Exception(() => e.Outputs.Single<TokenPredictions>()));
        trainer.Fit(new TinyTokenModel(), TinyData.Batches(2, 4));
        Assert.Contains("with { Outputs = new TokenPredictions(…) }", Assert.IsType<InvalidOperationException>(seen).Message);
    }

    /// <summary>Logs <c>train/probe</c> under its full name from both steps (1 in training, 1000 in validation: a full name is used as given).</summary>
    sealed class ExplicitNames : FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner = new();
        public ExplicitNames() : base("explicit") => RegisterComponents();

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
        {
            ctx.Log.Log("train/probe", 1.0);
            return inner.TrainingStep(batch, ctx);
        }

        public override StepOutput ValidationStep(TokenBatch batch, LoopContext ctx)
        {
            ctx.Log.Log("train/probe", 1000.0);
            ctx.Log.Log("seen", 1.0, Reduction.Sum);
            return inner.TrainingStep(batch, ctx);
        }
    }

    [Fact]
    public void The_sanity_check_keeps_nothing_it_logged_whatever_the_names()
    {
        using var trainer = new Trainer(Quiet(2) with { SanityValidationBatches = 2, ValidateEveryEpoch = true });
        var result = trainer.Fit(new ExplicitNames(), TinyData.Batches(4, 4), TinyData.Batches(3, 4, seed: 5));
        Assert.Equal(1.0, result.Series("train/probe")[0].Value); // the training window, without the sanity check's 1000s
        // Only the closing validation's 3 batches: the sanity check's 2 are not in any record.
        Assert.Equal(3.0, Assert.Single(result.Series("val/seen")).Value);
        Assert.DoesNotContain(result.History, r => r.Step == 0);
    }

    /// <summary>Counts its updates; what a reset forgets.</summary>
    sealed class Counter : IMetric
    {
        public int Updates;
        public IReadOnlyList<(string Suffix, double Value)> Compute() => [("", Updates)];
        public void Reset() => Updates = 0;
    }

    /// <summary>Updates a training and a validation counter from its steps; the metrics are registered once, elsewhere.</summary>
    sealed class Counting : FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner = new();
        readonly Counter trained, val;

        public Counting(Counter trained, Counter val) : base("counting")
        {
            (this.trained, this.val) = (trained, val);
            RegisterComponents();
        }

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
        {
            trained.Updates++;
            return inner.TrainingStep(batch, ctx);
        }

        public override StepOutput ValidationStep(TokenBatch batch, LoopContext ctx)
        {
            val.Updates++;
            return inner.TrainingStep(batch, ctx);
        }
    }

    [Fact]
    public void A_metric_registered_once_is_written_and_reset_every_epoch_and_every_validation()
    {
        var (train, val) = (new Counter(), new Counter());
        using var trainer = new Trainer(Quiet(6) with { MaxSteps = null, MaxEpochs = 2, ValidateEveryEpoch = true, SanityValidationBatches = 1 });
        trainer.Events.FitStarted.Subscribe((_, ctx) =>
        {
            ctx.Log.Log("train/batches", train);
            ctx.Log.Log("val/batches", val);
        });
        var result = trainer.Fit(new Counting(train, val), TinyData.Batches(3, 4), TinyData.Batches(2, 4, seed: 5));
        Assert.Equal([3.0, 3.0], result.Series("train/batches").Select(r => r.Value));   // each epoch's own batches
        Assert.Equal([2.0, 2.0], result.Series("val/batches").Select(r => r.Value));     // each validation's, none from the sanity check
    }

    sealed class OwnsTensors : Callback, IDisposable
    {
        public Tensor State { get; } = zeros(3).DetachFromDisposeScope();
        public override IEnumerable<IDisposable> Attach(TrainerEvents events) => [];
        public void Dispose() => State.Dispose();
    }

    [Fact]
    public void Disposing_the_trainer_disposes_the_callbacks_that_own_tensors()
    {
        var callback = new OwnsTensors();
        using (new Trainer(Quiet(1), [callback])) { }
        Assert.True(callback.State.IsInvalid);
    }
}
