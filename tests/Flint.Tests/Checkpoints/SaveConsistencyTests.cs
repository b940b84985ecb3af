using System.Text.Json;
using Flint.Checkpoints;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Tests.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Checkpoints;

/// <summary>Every checkpoint is a point an uninterrupted run passes through, with finite numbers; anything else is refused, by name.</summary>
public sealed class SaveConsistencyTests
{
    static TrainerOptions Options(long steps) => new() { MaxSteps = steps, ProgressBar = false, LogEveryNSteps = 100, SanityValidationBatches = 0, ValidateEveryEpoch = false };

    static long SavedStep(string checkpoints) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoints, "last", TrainerCheckpoint.FileName))).RootElement.GetProperty("step").GetInt64();

    [Fact]
    public void A_nan_loss_between_log_flushes_never_replaces_the_last_good_checkpoint()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(Options(10), checkpoints: new CheckpointOptions(folder.File("ckpt"), EveryNSteps: 2));
        var error = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(new PoisonedModel(poisonAtStep: 5), TinyData.Batches(10, 4)));
        Assert.Contains("Not saving a checkpoint at step 6", error.Message);
        Assert.Contains("previous checkpoint is left as it was", error.Message);
        Assert.Equal(4, SavedStep(folder.File("ckpt")));
        Assert.Null(CheckpointStore.Problem(Path.Combine(folder.File("ckpt"), "last")));
    }

    sealed class FailingModel : Flint.Training.FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner = new();
        readonly long failAtStep;
        public FailingModel(long failAtStep) : base("failing")
        {
            this.failAtStep = failAtStep;
            RegisterComponents();
        }

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx) =>
            ctx.State.Step + 1 == failAtStep ? throw new InvalidOperationException("boom") : inner.TrainingStep(batch, ctx);
    }

    [Fact]
    public void An_exception_in_a_step_saves_nothing_so_last_stays_a_state_an_uninterrupted_run_passed_through()
    {
        using var folder = TestPaths.NewTempFolder();
        var model = new FailingModel(failAtStep: 5);
        using var trainer = new Trainer(Options(10), checkpoints: new CheckpointOptions(folder.File("ckpt"), EveryNSteps: 3));
        Assert.Throws<InvalidOperationException>(() => trainer.Fit(model, TinyData.Batches(10, 4)));
        Assert.Equal(3, SavedStep(folder.File("ckpt")));
    }

    [Fact]
    public void A_handler_failing_in_fit_ended_never_hides_the_original_exception()
    {
        var model = new FailingModel(failAtStep: 2);
        using var trainer = new Trainer(Options(10));
        trainer.Events.FitEnded.Subscribe((_, _) => throw new IOException("cleanup failed"));
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(model, TinyData.Batches(4, 4)));
        Assert.Equal("boom", error.Message);
        Assert.Contains("cleanup failed", (string)error.Data["FitEnded handler failure"]!);
    }

    [Fact]
    public void Resuming_without_a_callback_whose_state_was_saved_names_it()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = new CheckpointOptions(folder.File("ckpt"));
        var validation = TinyData.Batches(2, 4, seed: 5);
        using (var trainer = new Trainer(Options(3) with { ValidateEveryNSteps = 1 }, [new EarlyStopping(patience: 50)], checkpoints: checkpoints))
            trainer.Fit(new TinyTokenModel(), TinyData.Batches(4, 4), validation);
        using var without = new Trainer(Options(6) with { ValidateEveryNSteps = 1 }, checkpoints: checkpoints);
        var error = Assert.Throws<InvalidOperationException>(() => without.Fit(new TinyTokenModel(), TinyData.Batches(4, 4), validation, resume: "last"));
        Assert.Contains("component 'callback/early_stopping/val/loss'", error.Message);
        Assert.Contains("saved in the checkpoint but not part of this run", error.Message);
        Assert.Contains("trainer.max_steps: checkpoint '3', now '6'", error.Message);
    }

    [Fact]
    public void A_nan_validation_metric_is_never_kept_as_the_best_checkpoint()
    {
        using var folder = TestPaths.NewTempFolder();
        var model = new ScriptedValidationModel(double.NaN, 2.0, 3.0, 1.0);
        using var trainer = new Trainer(Options(4) with { ValidateEveryNSteps = 1 },
            checkpoints: new CheckpointOptions(folder.File("ckpt"), Monitor: "val/loss", TopK: 1));
        trainer.Events.ValidationEnded.Subscribe((_, _) => model.Advance());
        var saved = new List<string>();
        trainer.Events.CheckpointSaved.Subscribe((e, _) => saved.Add(Path.GetFileName(e.Path)));
        trainer.Fit(model, TinyData.Batches(4, 4), TinyData.Batches(1, 4, seed: 2));
        var best = Assert.Single(Directory.GetDirectories(folder.File("ckpt"), "best-*"));
        Assert.Equal("best-step-00000004", Path.GetFileName(best));
        Assert.Equal(["best-step-00000002", "best-step-00000004", "last"], saved); // every save is announced, best ones included
    }

    sealed class NanLogger : Flint.Training.FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner = new();
        public NanLogger() : base("nan_logger") => RegisterComponents();

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
        {
            ctx.Log.Log("train/custom", double.NaN);
            return inner.TrainingStep(batch, ctx);
        }
    }

    [Fact]
    public void A_nan_the_module_logged_is_saved_in_the_checkpoint_and_restored()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = new CheckpointOptions(folder.File("ckpt"), EveryNSteps: 1);
        using (var trainer = new Trainer(Options(2), checkpoints: checkpoints)) trainer.Fit(new NanLogger(), TinyData.Batches(4, 4));
        using var resumed = new Trainer(Options(4) with { LogEveryNSteps = 4 }, checkpoints: checkpoints);
        var result = resumed.Fit(new NanLogger(), TinyData.Batches(4, 4), resume: "last", allowChangedConfig: true);
        Assert.True(double.IsNaN(Assert.Single(result.Series("train/custom")).Value));
    }
}
