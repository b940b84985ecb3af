using Flint.Models;
using Flint.Objectives;
using Flint.Optim;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Objectives;

public sealed class ObjectiveTests
{
    const int Vocab = 40, Mask = 3, Pad = 0;
    static MlmMasking Masking(double p = 0.15, Tensor? continuation = null) => new(Mask, Vocab, [Pad, 1, 2], p, continuation);

    // Counting sequences from random starts: every objective has something to learn from them.
    static List<LmBatch> Batches(int count, int batch = 8, int length = 16) =>
        Enumerable.Range(0, count).Select(i =>
        {
            manual_seed(100 + i);
            var x = (randint(0, Vocab - 4, [batch, 1]) + arange(length + 1).unsqueeze(0)) % (Vocab - 4) + 4;
            return new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous());
        }).ToList();

    static double FinalOverFirstLoss<T>(FlintModule<T> module, IReadOnlyList<T> data, int steps = 60)
    {
        module.Optimization = new OptimizerDefaults(LearningRate: 1e-2, WarmupFraction: 0.1);
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = steps, LogEveryNSteps = 10, ProgressBar = false, SanityValidationBatches = 0 });
        var losses = trainer.Fit(module, data).Series("train/loss");
        return losses[^1].Value / losses[0].Value;
    }

    [Fact]
    public void Mlm_masking_statistics_match_bert_and_labels_sit_only_on_selected_positions()
    {
        manual_seed(0);
        var input = randint(4, Vocab, [400, 250]);
        input[.., 0] = 1; // a CLS-like special in every row: never selected
        var (masked, labels) = Masking().Apply(input);
        var selected = labels.ne(-100);
        double rate = selected.to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(rate, 0.145, 0.155);
        Assert.False(selected[.., 0].any().item<bool>());
        Assert.True(labels.masked_select(selected).equal(input.masked_select(selected)).all().item<bool>());
        Assert.True(masked.masked_select(selected.logical_not()).equal(input.masked_select(selected.logical_not())).all().item<bool>());
        var picked = masked.masked_select(selected);
        var original = input.masked_select(selected);
        double maskShare = picked.eq(Mask).to_type(ScalarType.Float32).mean().item<float>();
        double keptShare = picked.eq(original).to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(maskShare, 0.79, 0.81);
        Assert.InRange(keptShare, 0.095, 0.115); // 10% left as is, plus random draws that hit the original
    }

    [Fact]
    public void Whole_word_masking_selects_a_words_pieces_together()
    {
        var continuation = zeros(Vocab, ScalarType.Bool);
        continuation[TensorIndex.Slice(20, Vocab)] = true; // ids 20.. continue the previous word
        manual_seed(1);
        var input = randint(4, Vocab, [200, 64]);
        var (_, labels) = Masking(0.3, continuation).Apply(input);
        var selected = labels.ne(-100);
        var isContinuation = continuation[input];
        // A continuation piece is selected exactly when the piece before it is (same word), unless that one is special.
        var sameAsPrevious = selected[.., 1..].eq(selected[.., ..^1]);
        Assert.True(sameAsPrevious.masked_select(isContinuation[.., 1..]).all().item<bool>());
    }

    [Fact]
    public void Electra_labels_mark_exactly_the_positions_the_generator_changed()
    {
        manual_seed(2);
        var discriminator = new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab));
        var electra = new ElectraObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab), discriminator.Embeddings), discriminator, Masking(0.3));
        var batch = Batches(1)[0];
        var (corrupted, isReplaced, genLoss, discLoss) = electra.Forward(batch);
        Assert.True(corrupted.ne(batch.Input).to_type(ScalarType.Float32).equal(isReplaced).all().item<bool>());
        Assert.True(isReplaced.sum().item<float>() > 0);
        Assert.True(genLoss.item<float>() > 0 && discLoss.item<float>() > 0);
        // The embeddings are shared, and the optimizer sees the shared matrix once.
        var groups = ParameterGroups.WithWeightDecay(electra, 0.01);
        Assert.Equal(groups.Sum(g => g.Parameters.Count), groups.SelectMany(g => g.Parameters).Select(p => p.Parameter.Handle).Distinct().Count());
        Assert.Single(groups.SelectMany(g => g.Parameters), p => p.Parameter.shape.SequenceEqual(new long[] { Vocab, 32 }));
        Assert.Throws<ArgumentException>(() => new ElectraObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab)), discriminator, Masking()));
    }

    [Fact]
    public void SimCse_loss_equals_a_direct_computation()
    {
        var a = tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });
        var b = tensor(new float[,] { { 1, 0.1f }, { 0.2f, 1 }, { 1, 0.9f } });
        var simcse = new SimCseObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab)));
        double direct = 0;
        var an = a.data<float>().ToArray();
        var bn = b.data<float>().ToArray();
        double Cos(int i, int j)
        {
            double dot = an[2 * i] * bn[2 * j] + an[2 * i + 1] * bn[2 * j + 1];
            return dot / Math.Sqrt(an[2 * i] * an[2 * i] + an[2 * i + 1] * an[2 * i + 1]) / Math.Sqrt(bn[2 * j] * bn[2 * j] + bn[2 * j + 1] * bn[2 * j + 1]);
        }
        for (int i = 0; i < 3; i++)
        {
            var scores = Enumerable.Range(0, 3).Select(j => Cos(i, j) / 0.05).ToArray();
            double max = scores.Max();
            direct += -(scores[i] - max - Math.Log(scores.Sum(s => Math.Exp(s - max))));
        }
        Assert.Equal(direct, simcse.Loss(a, b).item<float>(), 3);
    }

    [Fact]
    public void Causal_lm_loss_falls_when_overfitting()
    {
        manual_seed(5);
        Assert.True(FinalOverFirstLoss(new CausalLmObjective(new Gpt(GptConfig.Nano(Vocab))), Batches(2), 80) < 0.7);
    }

    [Fact]
    public void Masked_lm_loss_falls_when_overfitting()
    {
        manual_seed(6);
        Assert.True(FinalOverFirstLoss(new MaskedLmObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, dropout: 0)), Masking(0.3)), Batches(2), 120) < 0.8);
    }

    [Fact]
    public void Electra_loss_falls_when_overfitting()
    {
        manual_seed(7);
        var discriminator = new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, 0));
        var electra = new ElectraObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, 0), discriminator.Embeddings), discriminator, Masking(0.3));
        electra.Optimization = new OptimizerDefaults(LearningRate: 1e-2, WarmupFraction: 0.1);
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = 240, LogEveryNSteps = 40, ProgressBar = false, SanityValidationBatches = 0 });
        var result = trainer.Fit(electra, Batches(2));
        double Ratio(string name) => result.Series(name)[^1].Value / result.Series(name)[0].Value;
        // The discriminator term (×50) dominates; both parts must fall.
        Assert.True(Ratio("train/loss") < 0.85, $"total {Ratio("train/loss")}");
        Assert.True(Ratio("train/generator_loss") < 0.7, $"generator {Ratio("train/generator_loss")}");
        Assert.True(Ratio("train/discriminator_loss") < 0.9, $"discriminator {Ratio("train/discriminator_loss")}");
    }

    [Fact]
    public void SimCse_loss_falls_when_overfitting()
    {
        manual_seed(8);
        var simcse = new SimCseObjective(new Bert(ModelPresets.Get("bert-nano").ToBert(Vocab, dropout: 0.1)));
        var batches = Batches(2).Select(b => new ClassificationBatch(b.Input, ones_like(b.Input), zeros(8, ScalarType.Int64), full(8, 16L))).ToList();
        Assert.True(FinalOverFirstLoss(simcse, batches, 60) < 0.7);
    }
}
