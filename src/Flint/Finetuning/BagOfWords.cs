using System.Text.RegularExpressions;
using Flint.Runtime;
using Flint.Text.Data;

namespace Flint.Finetuning;

/// <summary>What the bag-of-words baseline scored, and the regularisation validation chose.</summary>
/// <param name="ValAccuracy">Accuracy on the validation split (which chose <paramref name="L2"/>).</param>
/// <param name="TestAccuracy">Accuracy on the test split, measured once with the chosen model.</param>
/// <param name="L2">The L2 strength chosen on validation.</param>
/// <param name="Features">Distinct unigrams and bigrams of the training split.</param>
/// <param name="Seconds">Wall time of the whole search.</param>
public sealed record BagOfWordsResult(double ValAccuracy, double TestAccuracy, double L2, int Features, double Seconds);

/// <summary>
/// The non-neural floor every accuracy should be read against: NB-weighted logistic regression on binary unigram +
/// bigram features (Wang &amp; Manning 2012's NBSVM family), one model per class, trained by AdaGrad on the training
/// split; the L2 strength is chosen on validation, and test is scored once. Seconds on sentence-sized data.
/// </summary>
public static class BagOfWords
{
    static readonly Regex Token = new(@"\w+|[^\w\s]", RegexOptions.Compiled);

    /// <summary>L2 strengths tried (per example, per step).</summary>
    public static IReadOnlyList<double> L2Grid { get; } = [1e-6, 1e-5, 1e-4];

    /// <summary>Trains on <paramref name="train"/>, chooses on <paramref name="validation"/>, reports on <paramref name="test"/>.</summary>
    public static BagOfWordsResult Run(IReadOnlyList<LabeledExample> train, IReadOnlyList<LabeledExample> validation, IReadOnlyList<LabeledExample> test, LabelMap labels, long seed)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var x = train.Select(e => Features(e.Text, index, grow: true)).ToList();
        var y = train.Select(labels.IdOf).ToArray();
        var (xv, yv) = (validation.Select(e => Features(e.Text, index, grow: false)).ToList(), validation.Select(labels.IdOf).ToArray());
        var ratios = NbRatios(x, y, labels.Count, index.Count);
        (double Val, float[][] W, double L2) best = (-1, [], 0);
        foreach (var l2 in L2Grid)
        {
            var weights = Fit(x, y, ratios, l2, seed);
            double val = Accuracy(xv, yv, weights, ratios);
            if (val > best.Val) best = (val, weights, l2);
        }
        var xt = test.Select(e => Features(e.Text, index, grow: false)).ToList();
        double testAccuracy = Accuracy(xt, test.Select(labels.IdOf).ToArray(), best.W, ratios);
        return new BagOfWordsResult(best.Val, testAccuracy, best.L2, index.Count, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The distinct unigram and bigram ids of <paramref name="text"/> (lower-cased words and punctuation).</summary>
    static int[] Features(string text, Dictionary<string, int> index, bool grow)
    {
        var words = Token.Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();
        var grams = words.Concat(words.Zip(words.Skip(1), (a, b) => a + " " + b));
        var ids = new SortedSet<int>();
        foreach (var g in grams)
        {
            if (index.TryGetValue(g, out int id)) ids.Add(id);
            else if (grow) ids.Add(index[g] = index.Count);
        }
        return [.. ids];
    }

    /// <summary>Per class k: log of (feature share in class k) ÷ (share in the other classes), with add-one smoothing.</summary>
    static float[][] NbRatios(List<int[]> x, int[] y, int classes, int features)
    {
        var counts = new double[classes][];
        for (int k = 0; k < classes; k++) counts[k] = new double[features];
        for (int i = 0; i < x.Count; i++) foreach (int f in x[i]) counts[y[i]][f]++;
        var total = new double[features];
        for (int k = 0; k < classes; k++) for (int f = 0; f < features; f++) total[f] += counts[k][f];
        var ratios = new float[classes][];
        for (int k = 0; k < classes; k++)
        {
            double p = counts[k].Sum() + features, q = total.Sum() - counts[k].Sum() + features;
            ratios[k] = Enumerable.Range(0, features).Select(f => (float)Math.Log((counts[k][f] + 1) / p / ((total[f] - counts[k][f] + 1) / q))).ToArray();
        }
        return ratios;
    }

    /// <summary>One-vs-rest logistic regressions on NB-scaled features (last entry of each row: the bias), AdaGrad, 10 epochs.</summary>
    static float[][] Fit(List<int[]> x, int[] y, float[][] ratios, double l2, long seed)
    {
        int classes = ratios.Length, features = ratios[0].Length;
        var w = Enumerable.Range(0, classes).Select(_ => new float[features + 1]).ToArray();
        var g2 = Enumerable.Range(0, classes).Select(_ => Enumerable.Repeat(1e-8f, features + 1).ToArray()).ToArray();
        var order = Enumerable.Range(0, x.Count).ToArray();
        const float rate = 0.2f;
        for (int epoch = 0; epoch < 10; epoch++)
        {
            Seeds.Random(seed, epoch, "bag-of-words").Shuffle(order);
            foreach (int i in order)
            {
                for (int k = 0; k < classes; k++)
                {
                    var (wk, gk, rk) = (w[k], g2[k], ratios[k]);
                    double z = wk[features];
                    foreach (int f in x[i]) z += wk[f] * rk[f];
                    float error = (float)(1 / (1 + Math.Exp(-z)) - (y[i] == k ? 1 : 0));
                    foreach (int f in x[i])
                    {
                        float grad = error * rk[f] + (float)l2 * wk[f];
                        gk[f] += grad * grad;
                        wk[f] -= rate * grad / MathF.Sqrt(gk[f]);
                    }
                    gk[features] += error * error;
                    wk[features] -= rate * error / MathF.Sqrt(gk[features]);
                }
            }
        }
        return w;
    }

    static double Accuracy(List<int[]> x, int[] y, float[][] w, float[][] ratios)
    {
        int features = ratios[0].Length, correct = 0;
        for (int i = 0; i < x.Count; i++)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int k = 0; k < w.Length; k++)
            {
                double z = w[k][features];
                foreach (int f in x[i]) z += w[k][f] * ratios[k][f];
                if (z > bestScore) (best, bestScore) = (k, z);
            }
            if (best == y[i]) correct++;
        }
        return x.Count == 0 ? double.NaN : correct / (double)x.Count;
    }
}
