using Flint.Config;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

public sealed class BadInputTests
{
    sealed class Returns : FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner;
        readonly Func<TokenBatch, StepOutput> _step;

        public Returns(Func<TokenBatch, StepOutput> step) : base("bad")
        {
            inner = new TinyTokenModel();
            _step = step;
            RegisterComponents();
        }

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx) => _step(batch);
    }

    static Trainer Quiet(long steps = 3) => new(new TrainerOptions { MaxSteps = steps, ProgressBar = false, SanityValidationBatches = 0 });

    [Fact]
    public void A_step_that_returns_no_loss_is_named()
    {
        var model = new TinyTokenModel();
        using var trainer = Quiet();
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new Returns(_ => default), TinyData.Batches(2, 2)));
        Assert.Contains("Returns.TrainingStep (step 0, batch 1 of epoch 0) returned no loss", error.Message);
    }

    [Fact]
    public void A_step_that_returns_a_non_scalar_loss_is_told_the_shape()
    {
        var model = new TinyTokenModel();
        using var trainer = Quiet();
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new Returns(b =>
            StepOutput.Sum(model.Logits(b.Input).sum(-1), 1, 2)), TinyData.Batches(2, 2)));
        Assert.Contains("loss of shape (2, 6); expected a scalar", error.Message);
    }

    [Fact]
    public void A_loss_without_gradient_is_caught_before_backward()
    {
        using var trainer = Quiet();
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new Returns(_ => StepOutput.Sum(tensor(1.0f), 1, 2)), TinyData.Batches(2, 2)));
        Assert.Contains("does not require grad", error.Message);
    }

    [Fact]
    public void An_empty_training_set_fails_at_the_first_epoch_with_advice()
    {
        using var trainer = Quiet();
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new TinyTokenModel(), new List<TokenBatch>()));
        Assert.Contains("training data yielded no batches in epoch 0", error.Message);
    }

    [Fact]
    public void Validation_every_n_steps_without_validation_data_fails_before_training()
    {
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 3, ValidateEveryNSteps = 1, ProgressBar = false });
        int steps = 0;
        trainer.Events.BatchEnded.Subscribe((_, _) => steps++);
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(new TinyTokenModel(), TinyData.Batches(2, 2)));
        Assert.Contains("ValidateEveryNSteps is 1, but Fit was given no validation data", error.Message);
        Assert.Equal(0, steps);
    }

    [Fact]
    public void Empty_validation_data_is_reported()
    {
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 3, ProgressBar = false });
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(new TinyTokenModel(), TinyData.Batches(2, 2), new List<TokenBatch>()));
        Assert.Contains("validation data yielded no batches", error.Message);
    }

    [Fact]
    public void Zero_or_negative_budgets_and_bad_settings_are_all_listed_by_field()
    {
        var error = Assert.Throws<ConfigException>(() => new Trainer(new TrainerOptions
        {
            MaxSteps = 0, MaxEpochs = -1, AccumulateGradBatches = 0, GradientClipNorm = -1, LogEveryNSteps = 0,
        }));
        Assert.Contains("MaxSteps: must be at least 1, got 0", error.Message);
        Assert.Contains("MaxEpochs: must be at least 1, got -1", error.Message);
        Assert.Contains("AccumulateGradBatches: must be at least 1, got 0", error.Message);
        Assert.Contains("GradientClipNorm: must be a positive number, got -1", error.Message);
        Assert.Contains("LogEveryNSteps", error.Message);
        Assert.Equal(5, error.Problems.Count);
    }

    [Fact]
    public void No_stopping_rule_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() => new Trainer(new TrainerOptions()));
        Assert.Contains("no stopping rule", error.Message);
    }
}
