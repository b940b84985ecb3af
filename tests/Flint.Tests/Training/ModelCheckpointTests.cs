using System.Text.Json.Nodes;
using Flint.Checkpoints;
using Flint.Logging;
using Flint.Optim;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

/// <summary>Checkpoint policy is a callback: it requests, the Trainer saves; top-k is read from the folders, so it survives resumes and kills.</summary>
public sealed class ModelCheckpointTests
{
    static TrainerOptions Options(long steps) => new()
    {
        MaxSteps = steps, ProgressBar = false, LogEveryNSteps = 100, SanityValidationBatches = 0, ValidateEveryEpoch = false, ValidateEveryNSteps = 1,
    };

    static readonly List<TokenBatch> Train = TinyData.Batches(8, 4), Validation = TinyData.Batches(1, 4, seed: 2);

    static string[] Kept(string checkpoints, string prefix = "best") =>
        [.. Directory.GetDirectories(checkpoints, $"{prefix}-step-*").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    /// <summary>Validation values by the step they run after (so a resumed run sees the same script); logs them as <c>val/score</c>, <c>val/loss</c> is their negation.</summary>
    sealed class StepScripted : FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner = new();
        readonly IReadOnlyDictionary<long, double> _byStep;
        public StepScripted(IReadOnlyDictionary<long, double> byStep) : base("step_scripted")
        {
            _byStep = byStep;
            RegisterComponents();
        }

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx) => inner.TrainingStep(batch, ctx);

        public override StepOutput ValidationStep(TokenBatch batch, LoopContext ctx)
        {
            var value = _byStep[ctx.State.Step];
            ctx.Log.Log("val/score", value, when: LogInterval.Epoch);
            return StepOutput.Mean(tensor(-value), samples: 1);
        }

        public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) => Optimizers.Sgd(ParameterGroups.Single(this), lr: 0.1, momentum: 0);
    }

    // Max of val/score: the best three are steps 4 (5.0), 6 (4.0) and 8 (3.0); step 7 is NaN, never kept.
    static readonly Dictionary<long, double> Script = new() { [1] = 1.0, [2] = 2.5, [3] = 0.5, [4] = 5.0, [5] = 2.0, [6] = 4.0, [7] = double.NaN, [8] = 3.0 };

    static ModelCheckpoint ByScore() => new(monitor: "val/score", mode: MonitorMode.Max, topK: 3);

    /// <summary>One process: trains towards step 8 (from <c>last</c> when resuming), interrupted after step <paramref name="stopAt"/> if given.</summary>
    static FitResult Run(string checkpoints, long? stopAt = null, bool resume = false)
    {
        manual_seed(1);
        using var trainer = new Trainer(Options(8), [ByScore()], checkpoints: new CheckpointOptions(checkpoints));
        trainer.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == stopAt) ctx.Control.RequestInterrupt(); });
        return trainer.Fit(new StepScripted(Script), Train, Validation, resume: resume ? "last" : null);
    }

    /// <summary>Trains to step 8, stopping (interrupt, save, new process) after each step in <paramref name="interruptAt"/>.</summary>
    static void TrainWithInterrupts(string checkpoints, params long[] interruptAt)
    {
        bool resume = false;
        foreach (var step in interruptAt)
        {
            Assert.True(Run(checkpoints, step, resume).Interrupted);
            resume = true;
        }
        Assert.False(Run(checkpoints, resume: resume).Interrupted);
    }

    [Fact]
    public void A_user_attached_model_checkpoint_with_its_own_monitor_takes_the_place_of_the_options_shorthand()
    {
        using var folder = TestPaths.NewTempFolder();
        TrainWithInterrupts(folder.File("ckpt"));
        Assert.Equal(["best-step-00000004", "best-step-00000006", "best-step-00000008"], Kept(folder.File("ckpt")));
        Assert.Equal(5.0, TrainerCheckpoint.Read(Path.Combine(folder.File("ckpt"), "best-step-00000004")).Metric);
        Assert.True(TrainerCheckpoint.Read(Path.Combine(folder.File("ckpt"), "last")).Completed);
    }

    [Fact]
    public void Top_k_over_resumes_keeps_exactly_the_k_best_of_all_validations()
    {
        using var folder = TestPaths.NewTempFolder();
        TrainWithInterrupts(folder.File("ckpt"), 3, 5, 7);
        Assert.Equal(["best-step-00000004", "best-step-00000006", "best-step-00000008"], Kept(folder.File("ckpt")));
    }

    [Fact]
    public void A_best_checkpoint_written_just_before_a_kill_still_counts_after_resuming_from_an_older_last()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = folder.File("ckpt");
        Run(checkpoints, stopAt: 6); // best-step-6 and 'last' at step 6
        Run(folder.File("other"), stopAt: 4);
        // As if killed right after best-step-6 was written, before 'last' moved on: 'last' is still the one from step 4.
        Directory.Delete(Path.Combine(checkpoints, "last"), recursive: true);
        Directory.Move(Path.Combine(folder.File("other"), "last"), Path.Combine(checkpoints, "last"));
        Assert.Contains("best-step-00000006", Kept(checkpoints));

        Assert.False(Run(checkpoints, resume: true).Interrupted);
        Assert.Equal(["best-step-00000004", "best-step-00000006", "best-step-00000008"], Kept(checkpoints));
    }

    [Fact]
    public void A_nan_or_infinite_metric_is_never_kept_even_with_room_among_the_top_k()
    {
        using var folder = TestPaths.NewTempFolder();
        var script = new Dictionary<long, double> { [1] = double.NaN, [2] = double.PositiveInfinity, [3] = 1.0 };
        using var trainer = new Trainer(Options(3), [new ModelCheckpoint(monitor: "val/score", mode: MonitorMode.Max, topK: 5)],
            checkpoints: new CheckpointOptions(folder.File("ckpt")));
        trainer.Fit(new StepScripted(script), Train, Validation);
        Assert.Equal(["best-step-00000003"], Kept(folder.File("ckpt")));
    }

    [Fact]
    public void Two_model_checkpoints_with_their_own_prefixes_keep_their_own_best()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(Options(8),
            [new ModelCheckpoint(monitor: "val/score", mode: MonitorMode.Max, topK: 1, prefix: "best-score"), new ModelCheckpoint(monitor: "val/loss", topK: 2)],
            checkpoints: new CheckpointOptions(folder.File("ckpt")));
        trainer.Fit(new StepScripted(Script), Train, Validation);
        Assert.Equal(["best-score-step-00000004"], Kept(folder.File("ckpt"), "best-score"));
        Assert.Equal(["best-step-00000004", "best-step-00000006"], Kept(folder.File("ckpt"))); // lowest val/loss = highest score
    }

    [Fact]
    public void Every_n_steps_requests_last_and_the_loop_still_saves_it_at_the_end_marked_completed()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(Options(7) with { ValidateEveryNSteps = null }, [new ModelCheckpoint(everyNSteps: 3)],
            checkpoints: new CheckpointOptions(folder.File("ckpt")));
        var saved = new List<(long, string)>();
        trainer.Events.CheckpointSaved.Subscribe((e, _) => saved.Add((e.Step, Path.GetFileName(e.Path))));
        trainer.Fit(new TinyTokenModel(), Train);
        Assert.Equal([(3L, "last"), (6L, "last"), (7L, "last")], saved);
        Assert.True(TrainerCheckpoint.Read(Path.Combine(folder.File("ckpt"), "last")).Completed);
    }

    /// <summary>Counts validations; runs after every other ValidationEnded handler.</summary>
    sealed class ValidationCounter : Callback, IStateful
    {
        public int Count { get; private set; }
        public override int Order => 1000;
        public override IEnumerable<IDisposable> Attach(TrainerEvents events) { yield return events.ValidationEnded.Subscribe((_, _) => Count++, Order); }
        public string StateKey => "test/validation_counter";
        public JsonNode SaveState() => new JsonObject { ["count"] = Count };
        public void LoadState(JsonNode state) => Count = state["count"]!.GetValue<int>();
    }

    [Fact]
    public void A_best_checkpoint_holds_the_state_after_every_validation_handler_ran_so_resuming_from_it_is_exact()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(Options(4), [new ModelCheckpoint(monitor: "val/score", mode: MonitorMode.Max, topK: 2), new ValidationCounter()],
            checkpoints: new CheckpointOptions(folder.File("ckpt")));
        trainer.Fit(new StepScripted(Script), Train, Validation);
        Assert.Equal(["best-step-00000002", "best-step-00000004"], Kept(folder.File("ckpt")));
        foreach (var step in new[] { 2, 4 })
        {
            var saved = TrainerCheckpoint.Read(Path.Combine(folder.File("ckpt"), $"best-step-{step:D8}"));
            Assert.Equal(step, saved.Components["test/validation_counter"]!["count"]!.GetValue<int>());
        }
    }

    [Fact]
    public void A_handler_can_request_a_named_checkpoint_that_records_its_metric_and_is_written_before_last()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(Options(3), checkpoints: new CheckpointOptions(folder.File("ckpt"), EveryNSteps: 2));
        trainer.Events.ValidationEnded.Subscribe((e, ctx) => ctx.Control.RequestCheckpoint($"val-{e.Step}", e.Metrics["val/loss"]), filter: EventFilter.When(step => step == 2));
        var saved = new List<string>();
        trainer.Events.CheckpointSaved.Subscribe((e, _) => saved.Add($"{Path.GetFileName(e.Path)}@{e.Step}"));
        trainer.Fit(new StepScripted(Script), Train, Validation);
        Assert.Equal(["val-2@2", "last@2", "last@3"], saved);
        Assert.Equal(-2.5, TrainerCheckpoint.Read(Path.Combine(folder.File("ckpt"), "val-2")).Metric);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".tmp-x")]
    [InlineData("a/b")]
    public void A_checkpoint_name_that_is_not_a_plain_folder_name_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new TrainerControl().RequestCheckpoint(name));

    [Fact]
    public void Misconfigured_checkpoint_policies_are_refused_before_any_work_with_what_to_do()
    {
        using var folder = TestPaths.NewTempFolder();
        var noFolder = Assert.Throws<ArgumentException>(() => new Trainer(Options(1), [new ModelCheckpoint(everyNSteps: 1)]));
        Assert.Contains("pass checkpoints: new CheckpointOptions(directory)", noFolder.Message);
        var twice = Assert.Throws<ArgumentException>(() => new Trainer(Options(1), [ByScore()], checkpoints: new CheckpointOptions(folder.File("c"), Monitor: "val/loss")));
        Assert.Contains("policy is set twice", twice.Message);
        var clash = Assert.Throws<ArgumentException>(() => new Trainer(Options(1), [ByScore(), new ModelCheckpoint(monitor: "val/loss")], checkpoints: new CheckpointOptions(folder.File("c"))));
        Assert.Contains("Give one another prefix", clash.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelCheckpoint(topK: 0));
        Assert.Throws<ArgumentException>(() => new ModelCheckpoint(monitor: "val/loss", prefix: "last"));
    }

    [Fact]
    public void Describe_loop_shows_the_policy_as_handlers_and_the_saves_as_the_loop_s()
    {
        using var folder = TestPaths.NewTempFolder();
        using var trainer = new Trainer(Options(4), checkpoints: new CheckpointOptions(folder.File("ckpt"), EveryNSteps: 3, Monitor: "val/loss", TopK: 2));
        var text = trainer.DescribeLoop();
        Assert.Contains("[ 80] ModelCheckpoint: request 'last' (every 3 steps)", text);
        Assert.Contains("[ 80] ModelCheckpoint: request 'best-step-N' if among the best 2 by val/loss (Min)", text);
        Assert.Contains("[ 80] ModelCheckpoint: SIGINT/SIGTERM request an interrupt", text);
        Assert.Contains("on an interrupt always 'last'", text);
        Assert.Contains("then always 'last', marked completed", text);
    }
}
