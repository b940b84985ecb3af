using Flint.Metrics;
using static TorchSharp.torch;

namespace Flint.Tests.Metrics;

public sealed class MetricTests
{
    // Unequal batches with a mask that drops some positions: the streaming value must equal the direct one on the whole set.
    static (List<(Tensor Scores, Tensor Targets, Tensor Mask)> Batches, long[] Preds, long[] Targets) Data(int classes, int seed)
    {
        var g = new Random(seed);
        var batches = new List<(Tensor, Tensor, Tensor)>();
        var preds = new List<long>();
        var targets = new List<long>();
        foreach (var size in new[] { 1, 7, 32, 3, 17 })
        {
            var scores = new float[size, classes];
            var target = new long[size];
            var mask = new bool[size];
            for (int i = 0; i < size; i++)
            {
                for (int c = 0; c < classes; c++) scores[i, c] = (float)g.NextDouble();
                target[i] = g.Next(classes);
                if (g.NextDouble() < 0.6) scores[i, target[i]] += 1; // better than chance
                mask[i] = g.NextDouble() < 0.85;
                if (!mask[i]) continue;
                int best = 0;
                for (int c = 1; c < classes; c++) if (scores[i, c] > scores[i, best]) best = c;
                preds.Add(best);
                targets.Add(target[i]);
            }
            batches.Add((tensor(scores), tensor(target), tensor(mask)));
        }
        return (batches, preds.ToArray(), targets.ToArray());
    }

    [Fact]
    public void Accuracy_over_unequal_masked_batches_equals_the_direct_computation()
    {
        var (batches, preds, targets) = Data(4, 1);
        using var accuracy = new Accuracy();
        foreach (var (s, t, m) in batches) accuracy.Update(s, t, m);
        double direct = preds.Zip(targets).Count(p => p.First == p.Second) / (double)preds.Length;
        Assert.Equal(direct, accuracy.Compute().Single().Value, 12);
        accuracy.Reset();
        accuracy.Update(tensor(new long[] { 1, 2 }), tensor(new long[] { 1, 0 }));
        Assert.Equal(0.5, accuracy.Compute().Single().Value);
    }

    [Fact]
    public void Confusion_matrix_scores_equal_a_direct_computation()
    {
        const int C = 3;
        var (batches, preds, targets) = Data(C, 2);
        using var confusion = new ConfusionMatrix(C);
        foreach (var (s, t, m) in batches) confusion.Update(s, t, m);
        var scores = confusion.Compute().ToDictionary(x => x.Suffix, x => x.Value);

        var matrix = confusion.Matrix();
        for (int i = 0; i < preds.Length; i++) matrix[targets[i], preds[i]]--;
        Assert.All(Enumerable.Range(0, C * C), k => Assert.Equal(0, matrix[k / C, k % C]));

        var direct = DirectMacro(preds, targets);
        Assert.Equal(direct.Precision, scores["precision_macro"], 12);
        Assert.Equal(direct.Recall, scores["recall_macro"], 12);
        Assert.Equal(direct.F1, scores["f1_macro"], 12);
        Assert.Equal(preds.Zip(targets).Count(p => p.First == p.Second) / (double)preds.Length, scores["f1_micro"], 12);
        Assert.Equal(DirectMcc(preds, targets, C), scores["mcc"], 12);
    }

    [Fact]
    public void Confusion_matrix_macro_scores_average_over_the_classes_that_occur_like_scikit_learn()
    {
        // 6 classes; targets use 0-3, predictions 0-2 and 4: class 3 is only a target, 4 only a prediction, 5 never occurs.
        const int C = 6;
        var g = new Random(3);
        using var confusion = new ConfusionMatrix(C);
        var preds = new List<long>();
        var targets = new List<long>();
        foreach (var size in new[] { 5, 40, 1, 23 })
        {
            var t = Enumerable.Range(0, size).Select(_ => (long)g.Next(4)).ToArray();
            var p = t.Select(v => g.NextDouble() < 0.5 ? v : new long[] { 0, 1, 2, 4 }[g.Next(4)]).Select(v => v == 3 ? 4 : v).ToArray();
            var mask = t.Select(_ => g.NextDouble() < 0.8).ToArray();
            confusion.Update(tensor(p), tensor(t), tensor(mask));
            for (int i = 0; i < size; i++)
                if (mask[i]) { preds.Add(p[i]); targets.Add(t[i]); }
        }
        var scores = confusion.Compute().ToDictionary(x => x.Suffix, x => x.Value);
        var direct = DirectMacro(preds.ToArray(), targets.ToArray());
        Assert.Equal(direct.Precision, scores["precision_macro"], 12);
        Assert.Equal(direct.Recall, scores["recall_macro"], 12);
        Assert.Equal(direct.F1, scores["f1_macro"], 12);
        Assert.Equal(DirectMcc(preds.ToArray(), targets.ToArray(), C), scores["mcc"], 12);
    }

    [Fact]
    public void A_class_that_never_occurs_leaves_the_macro_scores_of_the_others_unchanged()
    {
        long[] preds = [0, 1, 1, 0, 1, 1, 0], targets = [0, 1, 0, 0, 1, 0, 1];
        using var three = new ConfusionMatrix(3);
        using var two = new ConfusionMatrix(2);
        three.Update(tensor(preds), tensor(targets));
        two.Update(tensor(preds), tensor(targets));
        var withUnused = three.Compute().ToDictionary(x => x.Suffix, x => x.Value);
        var without = two.Compute().ToDictionary(x => x.Suffix, x => x.Value);
        Assert.Equal(without["f1_macro"], withUnused["f1_macro"], 12);
        Assert.Equal(without["precision_macro"], withUnused["precision_macro"], 12);
        Assert.Equal(without["recall_macro"], withUnused["recall_macro"], 12);
    }

    [Theory]
    [InlineData(new long[] { 0, 3, 1 }, new long[] { 0, 1, 1 }, "1 position(s) with a target outside 0..2")]   // t*C+p would alias row 3 past the end
    [InlineData(new long[] { 0, 1, 1 }, new long[] { 3, 1, 1 }, "1 position(s) with a prediction outside 0..2")] // 0*3+3 would alias cell [1, 0]
    [InlineData(new long[] { -1, 2, -100 }, new long[] { 0, 1, 1 }, "2 position(s) with a target outside 0..2")]
    public void A_class_id_outside_the_matrix_fails_on_compute_naming_the_count_and_the_classes(long[] targets, long[] preds, string expected)
    {
        using var confusion = new ConfusionMatrix(3);
        confusion.Update(tensor(preds), tensor(targets)); // no host sync here: the check waits for Compute
        var error = Assert.Throws<ArgumentException>(() => confusion.Compute());
        Assert.Contains("ConfusionMatrix with 3 classes", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Contains("mask", error.Message);
        confusion.Reset();
        confusion.Update(tensor(new long[] { 2 }), tensor(new long[] { 2 }));
        Assert.Equal(1, confusion.Matrix()[2, 2]);
    }

    // scikit-learn's default: macro scores average over the labels present in the targets or the predictions.
    static (double Precision, double Recall, double F1) DirectMacro(long[] preds, long[] targets)
    {
        var labels = preds.Concat(targets).Distinct().ToList();
        double f1Sum = 0, precisionSum = 0, recallSum = 0;
        foreach (var k in labels)
        {
            double tp = preds.Zip(targets).Count(p => p.First == k && p.Second == k);
            double fp = preds.Zip(targets).Count(p => p.First == k && p.Second != k);
            double fn = preds.Zip(targets).Count(p => p.First != k && p.Second == k);
            double precision = tp + fp == 0 ? 0 : tp / (tp + fp), recall = tp + fn == 0 ? 0 : tp / (tp + fn);
            precisionSum += precision;
            recallSum += recall;
            f1Sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }
        return (precisionSum / labels.Count, recallSum / labels.Count, f1Sum / labels.Count);
    }

    static double DirectMcc(long[] preds, long[] targets, int classes)
    {
        // Gorodkin's R_K written as a covariance of one-hot vectors, independent of the matrix formula used in Flint.
        double Cov(long[] a, long[] b)
        {
            double total = 0;
            for (int k = 0; k < classes; k++)
            {
                double meanA = a.Count(v => v == k) / (double)a.Length, meanB = b.Count(v => v == k) / (double)b.Length;
                for (int i = 0; i < a.Length; i++) total += ((a[i] == k ? 1 : 0) - meanA) * ((b[i] == k ? 1 : 0) - meanB);
            }
            return total;
        }
        return Cov(preds, targets) / Math.Sqrt(Cov(preds, preds) * Cov(targets, targets));
    }

    [Fact]
    public void Binary_mcc_matches_the_textbook_formula()
    {
        var m = new long[,] { { 50, 10 }, { 5, 35 } }; // [true, predicted]: tn=50 fp=10 fn=5 tp=35
        var scores = ConfusionMatrix.Scores(m).ToDictionary(x => x.Suffix, x => x.Value);
        double tp = 35, tn = 50, fp = 10, fn = 5;
        Assert.Equal((tp * tn - fp * fn) / Math.Sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)), scores["mcc"], 12);
    }

    [Fact]
    public void Mean_and_perplexity_weight_by_counts()
    {
        using var mean = new MeanMetric();
        mean.Update(tensor(new[] { 1f, 2f, 3f }));
        mean.Update(tensor(new[] { 10f }), tensor(new[] { 3f }));
        Assert.Equal((1 + 2 + 3 + 30) / 6.0, mean.Compute().Single().Value, 6);

        using var ppl = new Perplexity();
        ppl.Update(tensor(6.0f), tensor(3L));
        ppl.Update(tensor(2.0f), tensor(1L));
        Assert.Equal(Math.Exp(8.0 / 4.0), ppl.Compute().Single().Value, 6);
    }

    [Fact]
    public void Mismatched_shapes_are_reported_with_both_shapes()
    {
        using var accuracy = new Accuracy();
        var rows = Assert.Throws<ArgumentException>(() => accuracy.Update(zeros(4, 3), zeros(5, ScalarType.Int64)));
        Assert.Contains("predictions have 4 rows but targets have 5", rows.Message);
        Assert.Contains("(4, 3)", rows.Message);
        var rank = Assert.Throws<ArgumentException>(() => accuracy.Update(zeros(2, 3, 4), zeros(2, ScalarType.Int64)));
        Assert.Contains("(N) class ids or (N, C) scores, but has shape (2, 3, 4)", rank.Message);
        using var confusion = new ConfusionMatrix(3);
        var classes = Assert.Throws<ArgumentException>(() => confusion.Update(zeros(2, 4), zeros(2, ScalarType.Int64)));
        Assert.Contains("4 class scores but the matrix has 3 classes", classes.Message);
        var mask = Assert.Throws<ArgumentException>(() => accuracy.Update(zeros(2, 3), zeros(2, ScalarType.Int64), ones(3)));
        Assert.Contains("mask", mask.Message);
    }

    [Fact]
    public void Metrics_logged_in_validation_appear_with_suffixes()
    {
        var model = new ClassifierWithMetrics();
        using var trainer = new Flint.Training.Trainer(new Flint.Training.TrainerOptions { MaxSteps = 1, ProgressBar = false });
        var data = Enumerable.Range(0, 3).Select(i => (randn(5, 4), randint(0, 3, [5]))).ToList();
        var metrics = trainer.Validate(model, data);
        Assert.Contains("val/loss", metrics.Keys);
        Assert.Contains("val/accuracy", metrics.Keys);
        Assert.Contains("val/scores/f1_macro", metrics.Keys);
        Assert.Contains("val/scores/mcc", metrics.Keys);
    }

    sealed class ClassifierWithMetrics : Flint.Training.FlintModule<(Tensor X, Tensor Y)>
    {
        readonly TorchSharp.Modules.Linear linear;
        readonly Accuracy _accuracy = new();
        readonly ConfusionMatrix _confusion = new(3);

        public ClassifierWithMetrics() : base("clf")
        {
            linear = nn.Linear(4, 3);
            RegisterComponents();
        }

        public override Flint.Training.StepOutput TrainingStep((Tensor X, Tensor Y) batch, Flint.Training.LoopContext ctx)
        {
            var logits = linear.call(batch.X);
            return Flint.Training.StepOutput.Sum(nn.functional.cross_entropy(logits, batch.Y, reduction: nn.Reduction.Sum), batch.Y.shape[0], batch.Y.shape[0]);
        }

        public override Flint.Training.StepOutput ValidationStep((Tensor X, Tensor Y) batch, Flint.Training.LoopContext ctx)
        {
            var logits = linear.call(batch.X);
            _accuracy.Update(logits, batch.Y);
            _confusion.Update(logits, batch.Y);
            ctx.Log.Log("val/accuracy", _accuracy);
            ctx.Log.Log("val/scores", _confusion);
            return TrainingStep(batch, ctx);
        }
    }
}
