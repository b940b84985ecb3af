using Flint.Logging;
using Flint.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flint.Tests.Training;

/// <summary>A loss of several terms, each with its own denominator: exact under accumulation, logged per term.</summary>
public sealed class LossTermTests
{
    static TrainerOptions Quiet(long steps, int accumulate) => new()
    {
        MaxSteps = steps, AccumulateGradBatches = accumulate, ProgressBar = false, LogEveryNSteps = 1, SanityValidationBatches = 0, ValidateEveryEpoch = false,
    };

    static TwoTermModel Seeded(bool countsTerms = true)
    {
        manual_seed(3);
        return new TwoTermModel(countsTerms);
    }

    [Fact]
    public void A_two_term_loss_trains_the_same_in_one_batch_of_32_as_in_four_accumulated_batches_of_8()
    {
        var whole = Enumerable.Range(0, 3).Select(i => TinyData.Tokens(32, seed: 40 + i)).ToList(); // padded: token counts differ per micro-batch
        var (big, small) = (Seeded(), Seeded());
        using var one = new Trainer(Quiet(3, accumulate: 1));
        var a = one.Fit(big, whole);
        using var four = new Trainer(Quiet(3, accumulate: 4));
        var b = four.Fit(small, whole.SelectMany(w => TinyData.Split(w, 8)).ToList());

        foreach (var (p, q) in big.parameters().Zip(small.parameters()))
            Assert.True((p - q).abs().max().item<float>() < 1e-6, "weights differ");
        foreach (var name in new[] { "train/loss", "train/lm", "train/seq" })
            Assert.Equal(a.Series(name).Select(r => r.Value), b.Series(name).Select(r => r.Value), (x, y) => Math.Abs(x - y) < 1e-6);
        // The objective is the weighted sum of the terms' exact means, step by step.
        foreach (var (loss, lm, seq) in a.Series("train/loss").Zip(a.Series("train/lm"), a.Series("train/seq")))
            Assert.Equal(lm.Value + 0.5 * seq.Value, loss.Value, 6);
    }

    [Fact]
    public void Validation_of_a_two_term_loss_is_the_weighted_sum_of_each_terms_mean_over_all_batches()
    {
        var model = Seeded();
        var data = Enumerable.Range(0, 3).Select(i => TinyData.Tokens(5, seed: 70 + i)).ToList();
        using var trainer = new Trainer(Quiet(1, 1));
        var metrics = trainer.Validate(model, data);

        double lmSum = 0, tokens = 0;
        using (no_grad())
            foreach (var batch in data)
            {
                var (hidden, logits) = Forward(model, batch);
                lmSum += F.cross_entropy(logits.flatten(0, 1), batch.Target.flatten(), ignore_index: TinyTokenModel.Pad, reduction: nn.Reduction.Sum).item<float>();
                tokens += batch.Target.ne(TinyTokenModel.Pad).sum().item<long>();
            }
        Assert.Equal(lmSum / tokens, metrics["val/lm"], 5);
        Assert.Equal(metrics["val/lm"] + 0.5 * metrics["val/seq"], metrics["val/loss"], 6);
    }

    static (Tensor Hidden, Tensor Logits) Forward(TwoTermModel model, TokenBatch batch)
    {
        var modules = model.named_children().ToDictionary(c => c.name, c => c.module);
        var hidden = ((TorchSharp.Modules.Embedding)modules["embed"]).call(batch.Input);
        return (hidden, ((TorchSharp.Modules.Linear)modules["head"]).call(hidden));
    }

    [Fact]
    public void Accumulating_a_two_term_loss_without_its_counts_is_refused_naming_what_to_override()
    {
        using var trainer = new Trainer(Quiet(1, accumulate: 2));
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(Seeded(countsTerms: false), TinyData.Batches(4, 4)));
        Assert.Contains("2 terms (lm, seq)", e.Message);
        Assert.Contains("override CountLossTerms(batch)", e.Message);
    }

    [Fact]
    public void A_resumed_two_term_run_logs_the_same_combined_loss_as_an_uninterrupted_one()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = TinyData.Batches(6, 4);
        var options = Quiet(4, 2) with { LogEveryNSteps = 4 };
        using var straight = new Trainer(options);
        var whole = straight.Fit(Seeded(), data);

        var checkpoints = new Flint.Checkpoints.CheckpointOptions(folder.File("ckpt"), EveryNSteps: 1);
        using (var first = new Trainer(options, checkpoints: checkpoints))
        {
            first.Events.BatchEnded.Subscribe((e, ctx) => { if (e.Step == 2) ctx.Control.RequestInterrupt(); });
            Assert.StartsWith("interrupted at step 2", first.Fit(Seeded(), data).StopReason);
        }
        using var second = new Trainer(options, checkpoints: checkpoints);
        var resumed = second.Fit(Seeded(), data, resume: "last");
        // The window of steps 1-3 was partly written before the checkpoint: its per-term sums and counts were saved with it.
        Assert.Equal(whole.Series(MetricNames.TrainLoss).Select(r => (r.Step, r.Value)), resumed.Series(MetricNames.TrainLoss).Select(r => (r.Step, r.Value)));
        Assert.Equal(2, whole.Series(MetricNames.TrainLoss).Count);
    }
}
