using System.Security.Cryptography;
using Flint.Checkpoints;
using Flint.Models;
using Flint.Objectives;
using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Flint.Tests.Checkpoints;

public sealed class ResumeTests
{
    static TrainerOptions Options(long steps, int accumulate = 1) =>
        new() { MaxSteps = steps, AccumulateGradBatches = accumulate, ProgressBar = false, LogEveryNSteps = 4, SanityValidationBatches = 0, ValidateEveryEpoch = false };

    static CausalLmObjective NewModel()
    {
        manual_seed(11);
        var objective = new CausalLmObjective(new Gpt(GptConfig.Nano(64) with { Dropout = 0.1 })); // dropout: the RNG state matters
        objective.Optimization = new OptimizerDefaults(LearningRate: 3e-3);
        return objective;
    }

    static List<LmBatch> Batches() => Enumerable.Range(0, 5).Select(i =>
    {
        manual_seed(500 + i);
        var x = randint(0, 64, [4, 17]);
        return new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous());
    }).ToList();

    static string Hash(nn.Module m) => Convert.ToHexString(SHA256.HashData(m.named_parameters().SelectMany(p => p.parameter.bytes.ToArray()).ToArray()));

    /// <summary>Trains <paramref name="steps"/> steps, stopping (as on a signal) after each step in <paramref name="interruptAt"/> and resuming.</summary>
    static (string Hash, List<double> Lrs) Train(string dir, long steps, int accumulate, IEnumerable<long> interruptAt, Func<object> data)
    {
        var pending = new Queue<long>(interruptAt);
        var lrs = new List<double>();
        CausalLmObjective model;
        string? resume = null;
        while (true)
        {
            model = NewModel();
            using var trainer = new Trainer(Options(steps, accumulate), checkpoints: new CheckpointOptions(Path.Combine(dir, "ckpt"), EveryNSteps: 3));
            trainer.Events.BatchStarted.Subscribe((e, _) => lrs.Add(e.LearningRate));
            var stopAt = pending.Count > 0 ? pending.Dequeue() : -1;
            trainer.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == stopAt) ctx.Control.RequestInterrupt(); });
            var batches = data();
            var result = batches is LmLoader loader ? trainer.Fit(model, loader, resume: resume) : trainer.Fit(model, (List<LmBatch>)batches, resume: resume);
            if (result.Steps >= steps) break;
            Assert.StartsWith("interrupted at step", result.StopReason);
            resume = "last";
        }
        return (Hash(model), lrs);
    }

    [Theory]
    [InlineData(1, new long[] { 4 })]                // mid-epoch (5 batches per epoch)
    [InlineData(2, new long[] { 1, 5, 6 })]          // with accumulation, several times, across an epoch boundary
    public void Interrupting_and_resuming_gives_bit_identical_weights_and_the_same_learning_rates(int accumulate, long[] interruptAt)
    {
        using var a = TestPaths.NewTempFolder();
        using var b = TestPaths.NewTempFolder();
        var data = Batches();
        var straight = Train(a.Path, 9, accumulate, [], () => data);
        var resumed = Train(b.Path, 9, accumulate, interruptAt, () => data);
        Assert.Equal(straight.Hash, resumed.Hash);
        // Steps after each interruption re-run with the LR a straight run had at that step.
        Assert.Equal(straight.Lrs.Distinct(), resumed.Lrs.Distinct());
    }

    [Fact]
    public void A_stateful_loader_resumes_at_its_cursor_with_the_batches_an_uninterrupted_run_sees()
    {
        using var folder = TestPaths.NewTempFolder();
        File.WriteAllText(folder.File("c.txt"), string.Join("\n\n", Enumerable.Range(0, 300).Select(i => $"paragraph {i} about counting and more words {i * 7}")));
        TokenizeJob.Run([folder.File("c.txt")], new Gpt2Tokenizer(), folder.File("ds"), new TokenizeOptions(ValidationFraction: 0));
        using var shards = TokenShards.Open(folder.File("ds"));
        LmLoader NewLoader() => new(shards, new LmLoaderOptions(4, 16, Seed: 3));
        var loaderBatches = NewLoader().BatchesPerEpoch;

        var seen = new List<string>();
        var straightLoader = NewLoader();
        var straightSeen = new List<string>();
        // GPT-2 ids exceed the nano vocabulary; the objective below maps them into range.
        var uninterrupted = RunWithLoader(folder.Path + "/a", straightLoader, loaderBatches + 3, [], straightSeen);
        var resumed = RunWithLoader(folder.Path + "/b", null, loaderBatches + 3, [2, loaderBatches + 1], seen, NewLoader);
        Assert.Equal(straightSeen, seen);
        Assert.Equal(uninterrupted, resumed);
    }

    static string RunWithLoader(string dir, LmLoader? loader, long steps, long[] interruptAt, List<string> seen, Func<LmLoader>? newLoader = null)
    {
        var pending = new Queue<long>(interruptAt);
        string? resume = null;
        while (true)
        {
            manual_seed(5);
            var objective = new ModuloLm();
            var data = loader ?? newLoader!();
            using var trainer = new Trainer(Options(steps), checkpoints: new CheckpointOptions(Path.Combine(dir, "ckpt"), EveryNSteps: 100));
            var stopAt = pending.Count > 0 ? pending.Dequeue() : -1;
            trainer.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == stopAt) ctx.Control.RequestInterrupt(); });
            objective.Seen = seen;
            var result = trainer.Fit(objective, data, resume: resume);
            if (result.Steps >= steps) return Hash(objective);
            resume = "last";
        }
    }

    /// <summary>A nano GPT over ids mod 64 that records which batches it trained on.</summary>
    sealed class ModuloLm : FlintModule<LmBatch>
    {
        readonly Gpt gpt;
        public List<string> Seen { get; set; } = [];
        public ModuloLm() : base("modulo") { gpt = new Gpt(GptConfig.Nano(64)); RegisterComponents(); }
        public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx)
        {
            Seen.Add(Convert.ToHexString(SHA256.HashData(batch.Input.bytes.ToArray())));
            var logits = gpt.call(batch.Input % 64);
            var loss = nn.functional.cross_entropy(logits.flatten(0, 1), (batch.Target % 64).flatten(), reduction: nn.Reduction.Sum);
            return StepOutput.Sum(loss, batch.Target.numel(), batch.Input.shape[0], batch.Input.numel());
        }
    }

    [Fact]
    public void Early_stopping_counters_survive_a_resume()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = new CheckpointOptions(folder.File("ckpt"));
        var early = new EarlyStopping("val/loss", patience: 10);
        var model = new ScriptedLm(1.0, 0.5, 0.7, 0.8, 0.9);
        using (var trainer = new Trainer(Options(10) with { ValidateEveryNSteps = 1 }, [early], checkpoints: checkpoints))
        {
            trainer.Events.ValidationEnded.Subscribe((_, _) => model.Advance(), order: 1000);
            trainer.Events.BatchEnded.Subscribe((e, ctx) => ctx.Control.RequestInterrupt(), filter: EventFilter.Once(4));
            trainer.Fit(model, Batches(), Batches());
        }
        Assert.Equal((0.5, 2), (early.Best!.Value, early.Wait));
        var restored = new EarlyStopping("val/loss", patience: 10);
        using (var trainer = new Trainer(Options(10) with { ValidateEveryNSteps = 1 }, [restored], checkpoints: checkpoints))
        {
            trainer.Events.FitStarted.Subscribe((_, _) => Assert.Equal((0.5, 2), (restored.Best!.Value, restored.Wait)));
            trainer.Fit(new ScriptedLm(1.0), Batches(), Batches(), resume: "last");
        }
    }

    sealed class ScriptedLm : FlintModule<LmBatch>
    {
        readonly Gpt gpt;
        readonly double[] _script;
        int _index;
        public ScriptedLm(params double[] script) : base("scripted") { gpt = new Gpt(GptConfig.Nano(64)); _script = script; RegisterComponents(); }
        public void Advance() => _index++;
        public override StepOutput TrainingStep(LmBatch batch, LoopContext ctx) =>
            StepOutput.Mean(nn.functional.cross_entropy(gpt.call(batch.Input).flatten(0, 1), batch.Target.flatten()), 4);
        public override StepOutput ValidationStep(LmBatch batch, LoopContext ctx) => StepOutput.Mean(tensor(_script[Math.Min(_index, _script.Length - 1)]), 1);
    }

    [Fact]
    public void A_corrupted_last_checkpoint_falls_back_to_the_newest_valid_one_and_says_so()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = new CheckpointOptions(folder.File("ckpt"), Monitor: "val/loss", TopK: 2);
        using (var trainer = new Trainer(Options(6) with { ValidateEveryNSteps = 2 }, checkpoints: checkpoints))
            trainer.Fit(NewModel(), Batches(), Batches());
        var last = Path.Combine(folder.File("ckpt"), "last", "model.safetensors");
        var bytes = File.ReadAllBytes(last);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(last, bytes);

        using var again = new Trainer(Options(8), checkpoints: checkpoints);
        var result = again.Fit(NewModel(), Batches(), resume: "last", allowChangedConfig: true); // training longer changes max_steps
        Assert.Contains("the newest valid checkpoint", again.ResumeMessage);
        Assert.Contains("does not match its SHA-256", again.ResumeMessage);
        Assert.Contains("best-step-", again.ResumeMessage);
        Assert.Equal(8, result.Steps);
        Assert.Equal(2, Directory.GetDirectories(folder.File("ckpt"), "best-*").Length);
    }

    [Fact]
    public void Resuming_with_changed_settings_is_refused_with_the_differences_unless_allowed()
    {
        using var folder = TestPaths.NewTempFolder();
        var checkpoints = new CheckpointOptions(folder.File("ckpt"), Exactness: new Dictionary<string, string> { ["data.batch_size"] = "4" });
        using (var trainer = new Trainer(Options(3), checkpoints: checkpoints)) trainer.Fit(NewModel(), Batches());
        var changed = checkpoints with { Exactness = new Dictionary<string, string> { ["data.batch_size"] = "8" } };
        using var refusing = new Trainer(Options(6, accumulate: 2), checkpoints: changed);
        var error = Assert.Throws<InvalidOperationException>(() => refusing.Fit(NewModel(), Batches(), resume: "last"));
        Assert.Contains("data.batch_size: checkpoint '4', now '8'", error.Message);
        Assert.Contains("trainer.accumulate_grad_batches: checkpoint '1', now '2'", error.Message);
        Assert.Contains("--allow-config-change", error.Message);
        using var allowing = new Trainer(Options(6, accumulate: 2), checkpoints: changed);
        Assert.Equal(6, allowing.Fit(NewModel(), Batches(), resume: "last", allowChangedConfig: true).Steps);
    }

    [Fact]
    public void A_checkpoint_holds_weights_optimizer_state_trainer_state_and_a_manifest()
    {
        using var folder = TestPaths.NewTempFolder();
        using (var trainer = new Trainer(Options(3), checkpoints: new CheckpointOptions(folder.File("ckpt"))))
            trainer.Fit(NewModel(), Batches());
        var last = Path.Combine(folder.File("ckpt"), "last");
        Assert.Equal(["manifest.json", "model.safetensors", "optimizer.bin", "trainer.json"], Directory.GetFiles(last).Select(Path.GetFileName).Order());
        Assert.Null(CheckpointStore.Problem(last));
        var header = Safetensors.ReadHeader(Path.Combine(last, "model.safetensors"));
        Assert.Contains(header.Entries, e => e.Name == "model.transformer.wte.weight");
        Assert.Empty(Directory.GetDirectories(folder.File("ckpt"), ".*"));
    }
}
