using Flint.Finetuning;
using Flint.Models;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Tests.Finetuning;

public sealed class FinetuningTests
{
    static ClassificationBatch Batch(int seed, int b = 6, int t = 10)
    {
        manual_seed(seed);
        var lengths = randint(3, t + 1, [b]);
        var mask = arange(t).unsqueeze(0).lt(lengths.unsqueeze(1)).to_type(ScalarType.Int64);
        var input = randint(4, 64, [b, t]) * mask;
        var labels = (input[.., 0] % 2);
        return new ClassificationBatch(input, mask, labels, lengths);
    }

    [Theory]
    [InlineData(FinetuneMethod.Lora)]
    [InlineData(FinetuneMethod.Adapters)]
    public void Lora_and_adapters_leave_outputs_unchanged_before_training(FinetuneMethod method)
    {
        manual_seed(1);
        var gpt = new Gpt(GptConfig.Nano(64));
        var batch = Batch(2);
        using var noGrad = no_grad();
        gpt.eval();
        var before = gpt.Encode(batch.Input);
        var classifier = new SequenceClassifier(gpt, new ClassifierOptions(2, Method: method, AdapterSize: 8, LoraRank: 4));
        classifier.eval();
        Assert.True(gpt.Encode(batch.Input).allclose(before, rtol: 0, atol: 1e-6));
        var (trainable, total) = classifier.ParameterCounts;
        Assert.True(trainable < total / 4, $"{trainable} of {total} trainable");
        Assert.Contains(classifier.named_parameters(), p => p.parameter.requires_grad && p.name.Contains(method == FinetuneMethod.Lora ? "lora_" : "adapter_", StringComparison.Ordinal));
    }

    [Fact]
    public void Frozen_trains_only_the_head_and_full_trains_everything()
    {
        var frozen = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(3, Method: FinetuneMethod.Frozen));
        Assert.Equal(32 * 3 + 3, frozen.ParameterCounts.Trainable);
        var full = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(3));
        Assert.Equal(full.ParameterCounts.Total, full.ParameterCounts.Trainable);
    }

    [Fact]
    public void Padding_never_changes_the_classifiers_logits()
    {
        manual_seed(3);
        foreach (var pooling in new[] { Pooling.Last, Pooling.Mean, Pooling.First })
        {
            var classifier = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(2, pooling, Dropout: 0));
            classifier.eval();
            using var noGrad = no_grad();
            var batch = Batch(4, b: 3, t: 8);
            var padded = new ClassificationBatch(cat([batch.Input, zeros(3, 5, ScalarType.Int64)], 1), cat([batch.AttentionMask, zeros(3, 5, ScalarType.Int64)], 1), batch.Labels, batch.Lengths);
            Assert.True(classifier.Logits(padded).allclose(classifier.Logits(batch), rtol: 0, atol: 1e-5), pooling.ToString());
        }
    }

    [Fact]
    public void Gradual_unfreezing_opens_one_more_layer_group_each_epoch_from_the_top()
    {
        var classifier = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(2, Method: FinetuneMethod.Gradual, DiscriminativeFactor: 2.6));
        var trainableByEpoch = new List<long>();
        using var trainer = new Trainer(new TrainerOptions { MaxEpochs = 2, ProgressBar = false, SanityValidationBatches = 0 }, [new GradualUnfreezing(classifier)]);
        trainer.Events.EpochStarted.Subscribe((_, _) => trainableByEpoch.Add(classifier.ParameterCounts.Trainable), order: 100);
        var embeddings = classifier.named_parameters().First(p => p.name == "body.transformer.wte.weight").parameter.detach().clone();
        trainer.Fit(classifier, [Batch(5), Batch(6)]);
        Assert.Equal(trainableByEpoch.Order(), trainableByEpoch);
        Assert.Equal(2, trainableByEpoch.Distinct().Count()); // the embeddings, the third group (block 1 + ln_f, block 0, embeddings), would open in epoch 3
        Assert.True(classifier.named_parameters().First(p => p.name == "body.transformer.wte.weight").parameter.allclose(embeddings), "the embeddings trained before their turn");
    }

    [Fact]
    public void Discriminative_rates_fall_by_the_factor_per_group_below_the_top()
    {
        var classifier = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(2, LearningRate: 1e-3, DiscriminativeFactor: 2.0));
        using var setup = classifier.ConfigureOptimizers(new OptimizerPlan(null, 1));
        var rates = setup.Groups.Select((g, i) => (g, lr: setup.LearningRate(i))).ToList();
        Assert.Contains(rates, r => Math.Abs(r.lr - 1e-3) < 1e-12); // head
        Assert.Contains(rates, r => Math.Abs(r.lr - 1e-3 / 2) < 1e-12); // the last block with ln_f, the top group
        Assert.Contains(rates, r => Math.Abs(r.lr - 1e-3 / 8) < 1e-12); // embeddings, three groups below the head
        Assert.DoesNotContain(rates, r => Math.Abs(r.lr - 1e-3 / 16) < 1e-12); // before: ln_f alone was a group above the last block
    }

    [Fact]
    public void Layer_groups_leave_out_language_model_heads_and_keep_ln_f_with_the_last_block()
    {
        // ULMFiT's groups are the body's layers: an MLM head (cls.*) is no part of a classifier and must never unfreeze or get a group LR.
        var bert = new SequenceClassifier(new Bert(ModelPresets.Get("bert-nano").ToBert(64)), new ClassifierOptions(2, Method: FinetuneMethod.Gradual));
        bert.UnfreezeTopGroups(bert.LayerGroupCount);
        var named = bert.named_parameters().ToList();
        Assert.Contains(named, p => p.name.StartsWith("body.cls.", StringComparison.Ordinal));
        Assert.All(named.Where(p => p.name.StartsWith("body.cls.", StringComparison.Ordinal)), p => Assert.False(p.parameter.requires_grad, p.name));
        Assert.All(named.Where(p => p.name.StartsWith("body.bert.encoder.", StringComparison.Ordinal)), p => Assert.True(p.parameter.requires_grad, p.name));

        var gpt = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(2, Method: FinetuneMethod.Gradual));
        gpt.UnfreezeTopGroups(1);
        var open = gpt.named_parameters().Where(p => p.parameter.requires_grad && p.name.StartsWith("body.", StringComparison.Ordinal)).Select(p => p.name).ToList();
        Assert.Contains("body.transformer.ln_f.weight", open);
        Assert.All(open, n => Assert.True(n.StartsWith("body.transformer.h.1.", StringComparison.Ordinal) || n.StartsWith("body.transformer.ln_f.", StringComparison.Ordinal), n));
    }

    [Fact]
    public void A_classifier_with_the_auxiliary_lm_loss_learns_a_separable_task()
    {
        manual_seed(9);
        var classifier = new SequenceClassifier(new Gpt(GptConfig.Nano(64)), new ClassifierOptions(2, LmCoefficient: 0.5, LearningRate: 3e-3));
        var data = Enumerable.Range(0, 4).Select(i => Batch(20 + i, b: 16)).ToList();
        using var trainer = new Trainer(new TrainerOptions { MaxEpochs = 40, ProgressBar = false, SanityValidationBatches = 0, ValidateEveryEpoch = false });
        var result = trainer.Fit(classifier, data);
        var metrics = trainer.Test(classifier, data);
        Assert.True(metrics["test/accuracy"] > 0.9, $"accuracy {metrics["test/accuracy"]}");
        Assert.Contains(result.History, r => r.Name == "train/lm_loss");
        Assert.Contains("test/scores/mcc", metrics.Keys);
    }

    [Fact]
    public void The_auxiliary_lm_loss_is_refused_for_an_encoder()
    {
        var error = Assert.Throws<ArgumentException>(() => new SequenceClassifier(new Bert(ModelPresets.Get("bert-nano").ToBert(64)), new ClassifierOptions(2, Pooling.First, LmCoefficient: 0.5)));
        Assert.Contains("causal body", error.Message);
    }
}
