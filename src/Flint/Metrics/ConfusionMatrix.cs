using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Metrics;

/// <summary>
/// A C×C confusion matrix (rows: true class, columns: predicted) accumulated on the device with one bincount per batch,
/// and every classification score derived from it: accuracy, precision/recall/F1 (micro and macro) and MCC.
/// </summary>
public sealed class ConfusionMatrix : IMetric, IDisposable
{
    Tensor? _counts;

    /// <summary>Creates a matrix for <paramref name="numClasses"/> classes.</summary>
    public ConfusionMatrix(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        NumClasses = numClasses;
    }

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>Adds a batch: (N, C) scores or (N) class ids, (N) targets, and an optional (N) mask of positions to count.</summary>
    public void Update(Tensor predictions, Tensor targets, Tensor? mask = null)
    {
        if (predictions.dim() == 2 && predictions.shape[1] != NumClasses)
            throw new ArgumentException($"ConfusionMatrix: predictions have {predictions.shape[1]} class scores but the matrix has {NumClasses} classes.");
        using var scope = NewDisposeScope();
        var (preds, target) = MetricInputs.Classes("ConfusionMatrix", predictions, targets, mask);
        _counts ??= MetricInputs.Accumulator(ScalarType.Int64, targets.device, (long)NumClasses * NumClasses);
        var index = target.to_type(ScalarType.Int64) * NumClasses + preds.to_type(ScalarType.Int64);
        _counts.add_(bincount(index, minlength: NumClasses * NumClasses));
    }

    /// <summary>The matrix read back to the host: [true, predicted].</summary>
    public long[,] Matrix()
    {
        var m = new long[NumClasses, NumClasses];
        if (_counts is null) return m;
        using var scope = NewDisposeScope();
        var flat = _counts.cpu().data<long>().ToArray();
        for (int t = 0; t < NumClasses; t++)
            for (int p = 0; p < NumClasses; p++) m[t, p] = flat[t * NumClasses + p];
        return m;
    }

    /// <inheritdoc />
    public IReadOnlyList<(string Suffix, double Value)> Compute() => Scores(Matrix());

    /// <summary>Accuracy, precision/recall/F1 (micro and macro) and multiclass MCC of a host matrix.</summary>
    public static IReadOnlyList<(string Suffix, double Value)> Scores(long[,] m)
    {
        int c = m.GetLength(0);
        double total = 0, correct = 0, macroP = 0, macroR = 0, macroF1 = 0, sumPt = 0, sumP2 = 0, sumT2 = 0;
        for (int k = 0; k < c; k++)
        {
            double tp = m[k, k], trueK = 0, predK = 0;
            for (int j = 0; j < c; j++) { trueK += m[k, j]; predK += m[j, k]; }
            double precision = predK == 0 ? 0 : tp / predK, recall = trueK == 0 ? 0 : tp / trueK;
            macroP += precision;
            macroR += recall;
            macroF1 += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            total += trueK;
            correct += tp;
            sumPt += predK * trueK;
            sumP2 += predK * predK;
            sumT2 += trueK * trueK;
        }
        double accuracy = total == 0 ? double.NaN : correct / total;
        double mccDenominator = Math.Sqrt((total * total - sumP2) * (total * total - sumT2));
        double mcc = mccDenominator == 0 ? 0 : (correct * total - sumPt) / mccDenominator;
        // Micro precision, recall and F1 all equal accuracy for single-label multiclass data.
        return
        [
            ("accuracy", accuracy),
            ("precision_macro", macroP / c), ("recall_macro", macroR / c), ("f1_macro", macroF1 / c),
            ("precision_micro", accuracy), ("recall_micro", accuracy), ("f1_micro", accuracy),
            ("mcc", mcc),
        ];
    }

    /// <inheritdoc />
    public void Reset()
    {
        using var scope = NewDisposeScope();
        _counts?.zero_();
    }

    /// <inheritdoc />
    public void Dispose() => _counts?.Dispose();
}
