using System.Security.Cryptography;
using Flint.Checkpoints;
using Flint.Logging;
using Flint.Models;
using Flint.Text.Data;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;
using Flint.Training;
using Flint.Workflow;
using static TorchSharp.torch;

namespace Flint.Tests.Training;

/// <summary>Two ways of getting the same number must agree: evaluations, resumes, limits and logs.</summary>
public sealed class ExactNumbersTests
{
    /// <summary>A char-level token dataset of about 12k tokens, tokenized into <paramref name="folder"/>.</summary>
    static (TokenShards Train, TokenShards Val, ITokenizer Tokenizer) Shards(TempFolder folder)
    {
        var text = string.Join("\n\n", Enumerable.Range(0, 120).Select(i => $"Line {i}: the quick brown fox {i % 7} jumps over the lazy dog {i % 5} again."));
        File.WriteAllText(folder.File("corpus.txt"), text);
        var tokenizer = CharTokenizer.FromCorpus([text]);
        TokenizeJob.Run([folder.File("corpus.txt")], tokenizer, folder.File("data"), new TokenizeOptions(0.1, 0, Overwrite: true));
        return (TokenShards.Open(folder.File("data"), "train"), TokenShards.Open(folder.File("data"), "val"), tokenizer);
    }

    static FlintModule<LmBatch> Objective(string name, ITokenizer tokenizer)
    {
        manual_seed(5);
        return PretrainJob.BuildObjective(Enum.Parse<Flint.Objectives.Objective>(name, ignoreCase: true), ModelPresets.Get("nano"), tokenizer, 16, dropout: 0.1).Objective;
    }

    static TrainerOptions Quiet(long steps) => new() { MaxSteps = steps, ProgressBar = false, LogEveryNSteps = 2, SanityValidationBatches = 0, ValidateEveryEpoch = false };

    static string Hash(nn.Module m) => Convert.ToHexString(SHA256.HashData(m.named_parameters().SelectMany(p => p.parameter.bytes.ToArray()).ToArray()));

    [Theory]
    [InlineData("clm")]
    [InlineData("mlm")]
    [InlineData("electra")]
    public void Validating_the_same_weights_twice_gives_identical_numbers(string objective)
    {
        using var folder = TestPaths.NewTempFolder();
        var (train, val, tokenizer) = Shards(folder);
        using (train) using (val)
        {
            var module = Objective(objective, tokenizer);
            var validation = new LmLoader(val, new LmLoaderOptions(4, 16, Shuffle: false, DropLast: false));
            using var trainer = new Trainer(Quiet(3) with { LimitValidationBatches = 2 });
            trainer.Fit(module, new LmLoader(train, new LmLoaderOptions(4, 16, Seed: 1)));
            var first = trainer.Validate(module, validation);
            manual_seed(999); // whatever the caller's generator holds, evaluation draws from its own
            var second = trainer.Validate(module, validation);
            Assert.Equal(first["val/loss"], second["val/loss"]);
        }
    }

    [Theory]
    [InlineData("clm")]
    [InlineData("mlm")]
    [InlineData("electra")]
    public void Validation_during_training_leaves_the_training_run_bit_identical(string objective)
    {
        using var folder = TestPaths.NewTempFolder();
        var (train, val, tokenizer) = Shards(folder);
        using (train) using (val)
        {
            (string Weights, string TrainLogs) Run(bool validate)
            {
                var module = Objective(objective, tokenizer);
                using var trainer = new Trainer(Quiet(6) with { ValidateEveryNSteps = validate ? 1 : null, SanityValidationBatches = validate ? 2 : 0 });
                var result = trainer.Fit(module, new LmLoader(train, new LmLoaderOptions(4, 16, Seed: 1)), validate ? new LmLoader(val, new LmLoaderOptions(4, 16, Shuffle: false)) : null);
                // Every training record (ELECTRA's generator and discriminator parts included) is untouched by validation.
                var trainLogs = string.Join("\n", result.History.Where(r => r.Name.StartsWith("train/", StringComparison.Ordinal)).Select(r => $"{r.Step} {r.Name} {r.Value:R}"));
                return (Hash(module), trainLogs);
            }
            var (plain, validated) = (Run(validate: false), Run(validate: true));
            Assert.Equal(plain.Weights, validated.Weights);
            Assert.Equal(plain.TrainLogs, validated.TrainLogs);
        }
    }

    [Fact]
    public void Limited_validations_always_see_the_same_first_batches()
    {
        using var folder = TestPaths.NewTempFolder();
        var (train, val, tokenizer) = Shards(folder);
        using (train) using (val)
        {
            var module = Objective("clm", tokenizer);
            var seen = new List<string>();
            var validation = new Recording(new LmLoader(val, new LmLoaderOptions(2, 16, Shuffle: false)), seen);
            using var trainer = new Trainer(Quiet(6) with { ValidateEveryNSteps = 2, LimitValidationBatches = 2, SanityValidationBatches = 2 });
            trainer.Fit(module, new LmLoader(train, new LmLoaderOptions(4, 16, Seed: 1)), validation);
            // sanity (2) + steps 2, 4 (2 each) + at step 6, the last, one full pass over every batch (not 2 and then all)
            var passes = seen.Take(6).Chunk(2).ToList();
            Assert.All(passes, p => Assert.Equal(passes[0], p));
            Assert.Equal(6 + validation.Count, seen.Count);
        }
    }

    /// <summary>Records the first token of each batch drawn, to see which batches an evaluation visited.</summary>
    sealed class Recording(LmLoader inner, List<string> seen) : IEpochSource<LmBatch>
    {
        public int Count => inner.Count;
        public IEnumerable<LmBatch> Batches(int epoch, long from = 0) => inner.Batches(epoch, from).Select(b => { seen.Add(string.Join(",", b.Input[0, ..4].data<long>().ToArray())); return b; });
        public IEnumerator<LmBatch> GetEnumerator() => Batches(0).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public void Limit_train_batches_takes_the_first_batches_of_every_loader_epoch()
    {
        using var folder = TestPaths.NewTempFolder();
        var (train, val, tokenizer) = Shards(folder);
        using (train) using (val)
        {
            var loader = new LmLoader(train, new LmLoaderOptions(4, 16, Seed: 1));
            var drawn = new List<long[]>();
            var module = Objective("clm", tokenizer);
            using var trainer = new Trainer(Quiet(100) with { MaxSteps = null, MaxEpochs = 3, LimitTrainBatches = 2 });
            trainer.Events.BatchStarted.Subscribe((e, ctx) => { });
            var result = trainer.Fit(module, new Spy(loader, drawn));
            Assert.Equal(6, result.Steps);
            Assert.Equal(3, result.Epochs);
            long[] Start(int epoch, long batch) => loader.WindowStarts(epoch, batch);
            Assert.Equal([Start(0, 0), Start(0, 1), Start(1, 0), Start(1, 1), Start(2, 0), Start(2, 1)], drawn);
        }
    }

    /// <summary>Remembers which loader batches (by window starts) the Trainer asked for.</summary>
    sealed class Spy(LmLoader inner, List<long[]> drawn) : IEpochSource<LmBatch>
    {
        public int Count => inner.Count;
        public IEnumerable<LmBatch> Batches(int epoch, long from = 0)
        {
            for (long b = from; ; b++)
            {
                using var e = inner.Batches(epoch, b).GetEnumerator();
                if (!e.MoveNext()) yield break;
                drawn.Add(inner.WindowStarts(epoch, b));
                yield return e.Current;
            }
        }
        public IEnumerator<LmBatch> GetEnumerator() => Batches(0).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Ten batches an epoch, accumulation 3: steps end at batches 3, 6, 9 and 10 (the epoch ends inside the window).</summary>
    static (string Hash, string Csv, FitResult Result) TrainWithInterrupts(TempFolder folder, string name, IEnumerable<long> interruptAt, bool addressable)
    {
        var pending = new Queue<long>(interruptAt);
        string? resume = null;
        IEnumerable<TokenBatch> batches = addressable ? new Shuffled(TinyData.Batches(10, 4)) : TinyData.Batches(10, 4);
        var validation = TinyData.Batches(3, 4, seed: 9);
        while (true)
        {
            manual_seed(3);
            var model = new TinyTokenModel();
            var options = new TrainerOptions { MaxEpochs = 3, AccumulateGradBatches = 3, ProgressBar = false, LogEveryNSteps = 3, ValidateEveryNSteps = 5 };
            using var trainer = new Trainer(options, sinks: [new CsvSink(folder.File($"{name}.csv")), new JsonlSink(folder.File($"{name}.jsonl"))],
                checkpoints: new CheckpointOptions(folder.File($"{name}-ckpt"), EveryNSteps: 2, Monitor: "val/loss", TopK: 2));
            var stopAt = pending.Count > 0 ? pending.Dequeue() : -1;
            trainer.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == stopAt) ctx.Control.RequestInterrupt(); });
            var result = trainer.Fit(model, batches, validation, resume: resume);
            if (!result.StopReason.StartsWith("interrupted", StringComparison.Ordinal))
                return (Hash(model), string.Join("\n", File.ReadAllLines(folder.File($"{name}.csv")).Select(WithoutWallTime)), result);
            resume = "last";
        }
    }

    /// <summary>A list whose epochs come in a different order each, addressed by (epoch, index) as Flint's loaders are.</summary>
    sealed class Shuffled(List<TokenBatch> items) : IEpochSource<TokenBatch>
    {
        public int Count => items.Count;
        public IEnumerable<TokenBatch> Batches(int epoch, long from = 0)
        {
            var order = Enumerable.Range(0, items.Count).ToArray();
            new Random(epoch).Shuffle(order);
            return order.Skip((int)from).Select(i => items[i]);
        }
        public IEnumerator<TokenBatch> GetEnumerator() => Batches(0).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    static string WithoutWallTime(string csvLine)
    {
        var cells = csvLine.Split(',');
        return string.Join(",", cells.Take(4).Concat(cells.Skip(5)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Interrupted_and_resumed_runs_end_with_the_same_weights_and_the_same_log_lines_as_an_uninterrupted_run(bool addressable)
    {
        using var folder = TestPaths.NewTempFolder();
        var straight = TrainWithInterrupts(folder, "straight", [], addressable);
        Assert.Equal(12, straight.Result.Steps); // 4 steps an epoch (3 + 3 + 3 + 1 batches), 3 epochs
        Assert.Equal(3, straight.Result.Epochs);
        // Interrupts at the step that ends epoch 0 inside its window (4), on a validation step (5), on a log flush (6) and mid-epoch (10).
        var resumed = TrainWithInterrupts(folder, "resumed", [4, 5, 6, 10], addressable);
        Assert.Equal(straight.Hash, resumed.Hash);
        Assert.Equal(straight.Result.Epochs, resumed.Result.Epochs);
        Assert.Equal(straight.Csv, resumed.Csv);
        Assert.Equal(straight.Result.LastValidation["val/loss"], resumed.Result.LastValidation["val/loss"]);
    }

    [Fact]
    public void A_test_after_fit_is_logged_at_the_fits_final_step_epoch_and_tokens()
    {
        var sink = new ListSink();
        using var trainer = new Trainer(Quiet(5), sinks: [sink]);
        var result = trainer.Fit(new TinyTokenModel(), TinyData.Batches(3, 4));
        trainer.Test(new TinyTokenModel(), TinyData.Batches(2, 4, seed: 3));
        var test = Assert.Single(sink.Records, r => r.Name == "test/loss");
        Assert.Equal((result.Steps, result.Epochs - 1, result.Tokens), (test.Step, test.Epoch, test.Tokens));
    }

    [Fact]
    public void The_final_validation_covers_all_the_validation_data_even_when_periodic_ones_are_limited()
    {
        var validation = TinyData.Batches(6, 4, seed: 4);
        manual_seed(1);
        var model = new TinyTokenModel();
        using var trainer = new Trainer(Quiet(4) with { ValidateEveryNSteps = 2, LimitValidationBatches = 2 });
        var result = trainer.Fit(model, TinyData.Batches(4, 4), validation);
        using var check = new Trainer(Quiet(1));
        Assert.Equal(check.Validate(model, validation)["val/loss"], result.LastValidation["val/loss"]);
    }

    [Fact]
    public void The_last_step_has_one_validation_record_and_it_covers_all_the_data()
    {
        // A periodic validation due on the step budget's last step is the closing one: before, step 4 logged a partial
        // val/loss (2 batches) and then the full one, two different numbers under one name at one step.
        var validation = TinyData.Batches(6, 4, seed: 4);
        manual_seed(1);
        var model = new TinyTokenModel();
        var sink = new ListSink();
        using var trainer = new Trainer(Quiet(4) with { ValidateEveryNSteps = 2, LimitValidationBatches = 2 }, sinks: [sink]);
        var result = trainer.Fit(model, TinyData.Batches(4, 4), validation);
        var last = Assert.Single(sink.Records, r => r.Name == "val/loss" && r.Step == 4);
        Assert.Equal(result.LastValidation["val/loss"], last.Value);
        using var check = new Trainer(Quiet(1));
        Assert.Equal(check.Validate(model, validation)["val/loss"], last.Value);
    }

    [Fact]
    public void Fit_result_counts_the_epochs_that_ran()
    {
        using var trainer = new Trainer(Quiet(100) with { MaxSteps = null, MaxEpochs = 2 });
        Assert.Equal(2, trainer.Fit(new TinyTokenModel(), TinyData.Batches(3, 4)).Epochs);
        using var midway = new Trainer(Quiet(4));
        Assert.Equal(2, midway.Fit(new TinyTokenModel(), TinyData.Batches(3, 4)).Epochs); // one whole epoch and one started
    }

    /// <summary>Logs the batch's mean target under a name without a stage, from the one step training and validation share.</summary>
    sealed class StagedLogger : FlintModule<TokenBatch>
    {
        readonly TinyTokenModel inner = new();
        public StagedLogger() : base("staged") => RegisterComponents();

        public override StepOutput TrainingStep(TokenBatch batch, LoopContext ctx)
        {
            ctx.Log.Log("mean_input", batch.Input.to_type(ScalarType.Float32).mean());
            return inner.TrainingStep(batch, ctx);
        }
    }

    [Fact]
    public void A_name_logged_without_a_stage_lands_under_the_stage_that_ran_the_step()
    {
        var train = TinyData.Batches(4, 4);
        var validation = TinyData.Batches(2, 4, seed: 8);
        using var trainer = new Trainer(Quiet(4) with { LogEveryNSteps = 4, ValidateEveryNSteps = 2 });
        var result = trainer.Fit(new StagedLogger(), train, validation);
        double Mean(IEnumerable<TokenBatch> batches) => batches.Average(b => b.Input.to_type(ScalarType.Float32).mean().item<float>());
        Assert.Equal(Mean(train), Assert.Single(result.Series("train/mean_input")).Value, 5); // validation batches never mixed in
        Assert.All(result.Series("val/mean_input"), r => Assert.Equal(Mean(validation), r.Value, 5));
    }
}
