using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Metrics;

/// <summary>
/// A C×C confusion matrix (rows: true class, columns: predicted) accumulated on the device with one bincount per batch,
/// and every classification score derived from it: accuracy, precision/recall/F1 (micro and macro) and MCC.
/// Class ids outside 0..C-1 are counted apart, not in the matrix, and make <see cref="Matrix"/> and <see cref="Compute"/>
/// throw: checking them in <see cref="Update"/> would cost a host sync per batch.
/// </summary>
public sealed class ConfusionMatrix : IMetric, IDisposable
{
    // C*C cells, then two overflow slots: positions whose target is out of range, and positions whose target is fine but
    // whose prediction is not. Routing them there keeps t*C+p from aliasing another cell (or running past the end).
    Tensor? _counts;

    /// <summary>Creates a matrix for <paramref name="numClasses"/> classes.</summary>
    public ConfusionMatrix(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        NumClasses = numClasses;
    }

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>
    /// Adds a batch: (N, C) scores or (N) class ids, (N) targets, and an optional (N) mask of positions to count.
    /// Class ids outside 0..C-1 are not checked here (no host sync); <see cref="Compute"/> reports them.
    /// </summary>
    public void Update(Tensor predictions, Tensor targets, Tensor? mask = null)
    {
        if (predictions.dim() == 2 && predictions.shape[1] != NumClasses)
            throw new ArgumentException($"ConfusionMatrix: predictions have {predictions.shape[1]} class scores but the matrix has {NumClasses} classes.");
        using var scope = NewDisposeScope();
        var (preds, target) = MetricInputs.Classes("ConfusionMatrix", predictions, targets, mask);
        long cells = (long)NumClasses * NumClasses;
        _counts ??= MetricInputs.Accumulator(ScalarType.Int64, targets.device, cells + 2);
        var t = target.to_type(ScalarType.Int64);
        var p = preds.to_type(ScalarType.Int64);
        var targetOk = t.ge(0).logical_and(t.lt(NumClasses));
        var predOk = p.ge(0).logical_and(p.lt(NumClasses));
        var overflow = targetOk.to_type(ScalarType.Int64) + cells; // bad target -> cells, good target but bad prediction -> cells + 1
        var index = where(targetOk.logical_and(predOk), t * NumClasses + p, overflow);
        _counts.add_(bincount(index, minlength: cells + 2));
    }

    /// <summary>The matrix read back to the host: [true, predicted].</summary>
    /// <exception cref="ArgumentException">A target or prediction since the last <see cref="Reset"/> was not a class id in 0..C-1.</exception>
    public long[,] Matrix()
    {
        var m = new long[NumClasses, NumClasses];
        if (_counts is null) return m;
        using var scope = NewDisposeScope();
        var flat = _counts.cpu().data<long>().ToArray();
        long cells = (long)NumClasses * NumClasses, badTargets = flat[cells], badPredictions = flat[cells + 1];
        if (badTargets + badPredictions > 0) throw OutOfRange(badTargets, badPredictions);
        for (int t = 0; t < NumClasses; t++)
            for (int p = 0; p < NumClasses; p++) m[t, p] = flat[t * NumClasses + p];
        return m;
    }

    ArgumentException OutOfRange(long badTargets, long badPredictions)
    {
        var range = $"0..{NumClasses - 1}";
        var found = new List<string>();
        if (badTargets > 0) found.Add($"{badTargets} position(s) with a target outside {range}");
        if (badPredictions > 0) found.Add($"{badPredictions} position(s) with a prediction outside {range}");
        return new ArgumentException(
            $"ConfusionMatrix with {NumClasses} classes received {string.Join(" and ", found)} since the last reset; they were not counted. " +
            $"Check that the number of classes matches the labels, or pass a mask to Update to leave out ignored positions (e.g. -100 padding).");
    }

    /// <inheritdoc />
    public IReadOnlyList<(string Suffix, double Value)> Compute()
    {
        LastComputed = Matrix();
        return Scores(LastComputed);
    }

    /// <summary>
    /// The matrix as of the last <see cref="Compute"/>: a metric logged through <c>MetricLog</c> is computed and reset at the
    /// end of its window, so this is how the end of an evaluation is read afterwards (zeros before any compute).
    /// </summary>
    public long[,] LastComputed { get; private set; } = new long[0, 0];

    /// <summary>
    /// Accuracy, precision/recall/F1 (micro and macro) and multiclass MCC of a host matrix. Macro scores average over the
    /// classes that occur in the targets or the predictions (scikit-learn's default labels), so a class that never appears
    /// does not pull them down; a class that occurs on one side only scores 0 precision or recall. NaN when the matrix is empty.
    /// </summary>
    public static IReadOnlyList<(string Suffix, double Value)> Scores(long[,] m)
    {
        int c = m.GetLength(0);
        double total = 0, correct = 0, macroP = 0, macroR = 0, macroF1 = 0, sumPt = 0, sumP2 = 0, sumT2 = 0;
        int present = 0;
        for (int k = 0; k < c; k++)
        {
            double tp = m[k, k], trueK = 0, predK = 0;
            for (int j = 0; j < c; j++) { trueK += m[k, j]; predK += m[j, k]; }
            if (trueK == 0 && predK == 0) continue; // absent on both sides: adds nothing to any sum below
            present++;
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
        double Macro(double sum) => present == 0 ? double.NaN : sum / present;
        double mccDenominator = Math.Sqrt((total * total - sumP2) * (total * total - sumT2));
        double mcc = mccDenominator == 0 ? 0 : (correct * total - sumPt) / mccDenominator;
        // Micro precision, recall and F1 all equal accuracy for single-label multiclass data.
        return
        [
            ("accuracy", accuracy),
            ("precision_macro", Macro(macroP)), ("recall_macro", Macro(macroR)), ("f1_macro", Macro(macroF1)),
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
