using System.Text.Json;
using Flint.Checkpoints;
using Flint.Finetuning;
using Flint.Metrics;
using Flint.Tests.Cli;
using Flint.Text.Data;

namespace Flint.Tests.Workflow;

/// <summary>
/// The pieces of the "does pretraining pay off" experiment (issue 12): label budgets, target-domain adaptation, continued
/// pretraining, the bag-of-words floor, spreads over seeds — each checked against a second way of getting the same thing.
/// </summary>
public sealed class PretrainingPaysOffTests
{
    static JsonElement Summary(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;

    static string Corpus(TempFolder folder)
    {
        var path = folder.File("corpus.txt");
        File.WriteAllText(path, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..60000]);
        return path;
    }

    static string Pretrain(TempFolder folder, string name = "pre")
    {
        var run = folder.File(name);
        var (exit, output, error) = CliRunner.Run("pretrain", "--data", Corpus(folder), "--out", run, "--model.preset", "nano", "--tokenizer", "train-bpe:300",
            "--trainer.max-steps", "12", "--data.batch-size", "8", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        return run;
    }

    [Fact]
    public void A_label_budget_is_a_seeded_stratified_sample_of_the_training_split()
    {
        var examples = Enumerable.Range(0, 300).Select(i => new LabeledExample($"text {i}", i % 3 == 0 ? "a" : "b", "x", i)).ToList(); // 100 a, 200 b
        var sample = LabeledData.StratifiedSample(examples, 31, seed: 5);
        Assert.Equal(31, sample.Count);
        Assert.Equal(10, sample.Count(e => e.Label == "a")); // 31 × 1/3 = 10.33 → 10; 31 × 2/3 = 20.67 → 21
        Assert.Equal(21, sample.Count(e => e.Label == "b"));
        Assert.Equal(31, sample.Distinct().Count());
        Assert.All(sample, e => Assert.Contains(e, examples));
        Assert.Equal(sample, LabeledData.StratifiedSample(examples, 31, seed: 5));
        Assert.NotEqual(sample, LabeledData.StratifiedSample(examples, 31, seed: 6));
        Assert.Equal(2, LabeledData.StratifiedSample(examples, 2, seed: 1).Select(e => e.Label).Distinct().Count()); // every label keeps one
    }

    [Fact]
    public void Finetuning_with_a_label_budget_trains_on_that_many_examples_and_keeps_validation_and_test()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = CliWorkflowTests.Labelled(folder, perClass: 100);
        string Run(string name, params string[] extra)
        {
            var (exit, output, error) = CliRunner.Run(["finetune", "--data", data, "--from", "scratch", "--model.preset", "nano", "--out", folder.File(name),
                "--trainer.max-epochs", "1", "--trainer.progress", "false", .. extra]);
            Assert.True(exit == 0, output + error);
            return output;
        }
        Assert.Contains("30/20/20 train/validation/test examples", Run("budget", "--data.train-examples", "30"));
        Assert.Contains("160/20/20 train/validation/test examples", Run("all"));

        // A budget larger than the split, or smaller than the number of labels, stops before training, naming the flag.
        foreach (var (budget, expected) in new[] { ("161", "data.train_examples: 161 is more than the 160 examples"), ("1", "data.train_examples: 1 cannot hold one example of each of the 2 labels") })
        {
            var (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", "scratch", "--model.preset", "nano",
                "--out", folder.File("bad" + budget), "--data.train-examples", budget);
            Assert.Equal(2, exit);
            Assert.Contains(expected, output + error);
            Assert.False(File.Exists(Path.Combine(folder.File("bad" + budget), "metrics.csv")));
        }
    }

    [Fact]
    public void Adaptation_continues_pretraining_on_the_training_texts_only_and_the_classifier_starts_from_it()
    {
        using var folder = TestPaths.NewTempFolder();
        var pretrain = Pretrain(folder);
        var data = CliWorkflowTests.Labelled(folder, perClass: 60);
        var finetune = folder.File("ft");
        var (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", pretrain, "--out", finetune, "--adapt.steps", "4", "--adapt.batch-size", "4",
            "--trainer.max-epochs", "1", "--trainer.progress", "false", "--seed", "2");
        Assert.True(exit == 0, output + error);

        // The adaptation texts are exactly the training split's (computed independently here), in the split's order.
        var (train, validation, test) = LabeledData.StratifiedSplit(LabeledData.Read(data), 0.1, 0.1, seed: 2);
        var adapted = File.ReadLines(Path.Combine(finetune, "adapt-texts.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()).ToList();
        Assert.Equal(train.Select(e => e.Text), adapted);
        Assert.Empty(adapted.Intersect(validation.Concat(test).Select(e => e.Text).Except(train.Select(e => e.Text))));

        // The adaptation is a pretraining run of its own that started from the pretrained run; the classifier's body is the adapted one.
        var adapt = Path.Combine(finetune, "adapt");
        Assert.Equal(Path.GetFullPath(pretrain), Summary(adapt).GetProperty("parent").GetString());
        Assert.Equal(4, Summary(adapt).GetProperty("final_step").GetInt64());
        Assert.Equal(adapt, Summary(finetune).GetProperty("parent").GetString());
        Assert.Contains("from: " + pretrain, File.ReadAllText(Path.Combine(adapt, "config.yaml")));

        // The classifier's body weights (before fine-tuning) are the adapted ones, not the pretrained ones: compare one tensor.
        var adaptedWeights = Safetensors.Read(Path.Combine(adapt, "checkpoints", "last", "model.safetensors"));
        var pretrainedWeights = Safetensors.Read(Path.Combine(pretrain, "checkpoints", "last", "model.safetensors"));
        var key = adaptedWeights.Keys.First(k => k.EndsWith("c_attn.weight", StringComparison.Ordinal));
        Assert.False(adaptedWeights[key].eq(pretrainedWeights[key]).all().item<bool>());

        // Adapting a body that has no pretraining objective is refused before anything runs, naming the flag.
        (exit, output, error) = CliRunner.Run("finetune", "--data", data, "--from", "scratch", "--model.preset", "nano", "--out", folder.File("bad"), "--adapt.steps", "3");
        Assert.Equal(2, exit);
        Assert.Contains("adapt.steps: adaptation continues the pretraining objective of --from's run, and --from scratch has no pretraining to continue", output + error);
    }

    [Fact]
    public void Continued_pretraining_starts_from_exactly_the_source_weights()
    {
        using var folder = TestPaths.NewTempFolder();
        var pretrain = Pretrain(folder);
        // An LR of 1e-30 moves no float32 weight: the continued run's checkpoint must then equal its source's, bit for bit.
        var continued = folder.File("continued");
        var (exit, output, error) = CliRunner.Run("pretrain", "--from", pretrain, "--data", Corpus(folder), "--out", continued, "--trainer.max-steps", "1",
            "--data.batch-size", "8", "--optimizer.lr", "1e-30", "--trainer.progress", "false");
        Assert.True(exit == 0, output + error);
        var before = Safetensors.Read(Path.Combine(pretrain, "checkpoints", "last", "model.safetensors"));
        var after = Safetensors.Read(Path.Combine(continued, "checkpoints", "last", "model.safetensors"));
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before.Keys, k => Assert.True(before[k].eq(after[k]).all().item<bool>(), k));
        Assert.Contains("objective: clm", File.ReadAllText(Path.Combine(continued, "config.yaml")));
        Assert.Contains("preset: nano", File.ReadAllText(Path.Combine(continued, "config.yaml")));
    }

    [Fact]
    public void The_bag_of_words_floor_is_chosen_on_validation_and_never_sees_test_labels()
    {
        var (train, validation, test) = LabeledData.StratifiedSplit(LabeledData.Read(TestPaths.Data("rt-polarity")), 0.1, 0.1, seed: 0);
        var labels = LabelMap.FromExamples(train);
        var sample = LabeledData.StratifiedSample(train, 3000, seed: 0);
        var result = BagOfWords.Run(sample, validation, test, labels, seed: 1);
        Assert.InRange(result.TestAccuracy, 0.68, 0.9); // a real floor on 3,000 sentences
        // Flip every test label: the choice (made on validation) and validation accuracy cannot change; test accuracy mirrors.
        var flipped = test.Select(e => e with { Label = e.Label == "pos" ? "neg" : "pos" }).ToList();
        var mirror = BagOfWords.Run(sample, validation, flipped, labels, seed: 1);
        Assert.Equal(result.L2, mirror.L2);
        Assert.Equal(result.ValAccuracy, mirror.ValAccuracy);
        Assert.Equal(1 - result.TestAccuracy, mirror.TestAccuracy, 12);
    }

    [Fact]
    public void Spreads_match_a_direct_computation()
    {
        var s = Spread.Of([0.70, 0.72, 0.74]);
        Assert.Equal(0.72, s.Mean, 12);
        Assert.Equal(0.02, s.Sd, 12);
        Assert.Equal(0.72 - 4.303 * 0.02 / Math.Sqrt(3), s.Low, 12);
        var d = Spread.OfDifferences([0.75, 0.80], [0.70, 0.71]);
        Assert.Equal(0.07, d.Mean, 12);
        Assert.Equal(Math.Sqrt(0.0008), d.Sd, 12); // differences 0.05 and 0.09
        Assert.True(double.IsNaN(Spread.Of([0.5]).Sd));
    }
}
