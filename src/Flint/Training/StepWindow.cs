using Flint.Logging;
using Flint.Runtime;
using static TorchSharp.torch;

namespace Flint.Training;

/// <summary>
/// What the micro-batches of one optimizer step add up to: the loss as Σsum and Σcount (one pair, or one per named term),
/// and the outputs handlers see. It decides what each micro-batch back-propagates so that the step's gradient is the
/// gradient of the objective over the whole window: one term is summed and divided once by the window's count; several
/// terms are each divided by their window total, known before the first backward from <c>CountLossTerms</c>.
/// </summary>
internal sealed class StepWindow
{
    Tensor? _sum, _count;            // one term: scalars
    string[]? _names;                // several terms: their names, weights, (K) sums and counts
    double[]? _weights;
    Tensor? _totals;                 // several terms, accumulating: each term's count over the window and the ranks, (K)
    List<object?>? _outputs;

    /// <summary>Starts a step; <paramref name="totals"/> are the terms' window counts (only when accumulating several terms).</summary>
    public void Begin(IReadOnlyDictionary<string, Tensor>? totals, IDistributedContext ranks)
    {
        _sum = _count = _totals = null;
        _names = null;
        _weights = null;
        _outputs = null;
        if (totals is null) return;
        _names = [.. totals.Keys];
        _totals = stack(_names.Select(n => totals[n].to_type(ScalarType.Float64).reshape([])).ToArray());
        if (ranks.WorldSize > 1) ranks.AllReduceSum([_totals]); // every process divides by the counts of the whole step
    }

    /// <summary>What this micro-batch back-propagates (<paramref name="sums"/>: several micro-batches or processes share the step).</summary>
    public Tensor Objective(StepOutput output, bool sums, string where)
    {
        if (output.Terms is not { } terms) return sums ? output.LossSum : output.LossSum / output.Count;
        if (!sums) return output.LossSum; // Σₖ wₖ·sumₖ/countₖ of the only batch
        if (_totals is null)
            throw new InvalidOperationException(
                $"{where} returned a loss of {terms.Count} terms ({string.Join(", ", terms.Select(t => t.Name))}) in a step of several micro-batches or processes. " +
                "For the objective to stay exact, each term's count over the whole step must be known before the first micro-batch is back-propagated: " +
                "override CountLossTerms(batch) to return each term's count for a batch (e.g. its non-padding tokens, its sequences).");
        CheckNames(terms, _names!, where, "CountLossTerms");
        Tensor objective = terms[0].Sum * (terms[0].Weight / _totals[0]);
        for (int k = 1; k < terms.Count; k++) objective = objective + terms[k].Sum * (terms[k].Weight / _totals[k]);
        return objective;
    }

    /// <summary>Adds a micro-batch's loss (detached) and outputs.</summary>
    public void Add(StepOutput output, string where)
    {
        if (output.Outputs is not null || _outputs is not null) (_outputs ??= []).Add(output.Outputs);
        if (output.Terms is not { } terms)
        {
            if (_weights is not null) throw new InvalidOperationException($"{where} returned a loss of one term after returning several in this step.");
            _sum = _sum is null ? output.LossSum.detach() : _sum + output.LossSum.detach();
            _count = _count is null ? output.Count.detach() : _count + output.Count.detach();
            return;
        }
        if (_weights is null)
        {
            _names ??= [.. terms.Select(t => t.Name)];
            _weights = [.. terms.Select(t => t.Weight)];
        }
        CheckNames(terms, _names!, where, "the step's first micro-batch");
        var (sums, counts) = Stacked(terms);
        _sum = _sum is null ? sums : _sum + sums;
        _count = _count is null ? counts : _count + counts;
    }

    /// <summary>This process's (Σsum, Σcount): scalars for one term, (K) for several.</summary>
    public (Tensor Sum, Tensor Count) Local => (_sum!, _count!);

    /// <summary>Sums the window's loss over the processes, with the gradients (one collective).</summary>
    public void AllReduce(IDistributedContext ranks, IEnumerable<Tensor> gradients)
    {
        (_sum, _count) = (_sum!.to_type(ScalarType.Float64).clone(), _count!.to_type(ScalarType.Float64).clone());
        ranks.AllReduceSum([.. gradients, _sum, _count]);
    }

    /// <summary>What the summed gradients are multiplied by: 1/Σcount for one term; nothing for several (each was divided by its total).</summary>
    public Tensor? GradientScale => _weights is null ? _count!.reciprocal() : null;

    /// <summary>The step's objective: Σsum/Σcount, or Σₖ wₖ·Σsumₖ/Σcountₖ.</summary>
    public Tensor Mean => _weights is null ? _sum! / _count! : (_sum! / _count! * tensor(_weights, dtype: _sum!.dtype, device: _sum.device)).sum();

    /// <summary>The micro-batches' outputs, for <c>BatchEnded</c>.</summary>
    public StepOutputs Outputs => new(_outputs);

    /// <summary>Logs the window under <c>train/loss</c> (and <c>train/loss_epoch</c>), and each term under <c>train/NAME</c>.</summary>
    public void Log(MetricLog log, Tensor sum, Tensor count)
    {
        if (_weights is null)
        {
            log.LogRatio(MetricNames.TrainLoss, sum, count);
            log.LogRatio(MetricNames.TrainLossEpoch, sum, count, LogInterval.Epoch);
            return;
        }
        log.LogCombination(MetricNames.TrainLoss, sum, count, _weights);
        log.LogCombination(MetricNames.TrainLossEpoch, sum, count, _weights, LogInterval.Epoch);
        for (int k = 0; k < _names!.Length; k++) log.LogRatio($"{Stage.Train.Prefix()}/{_names[k]}", sum[k], count[k]);
    }

    /// <summary>Logs one evaluation batch's loss under <c>STAGE/loss</c> and its terms under <c>STAGE/NAME</c>, over the whole run.</summary>
    public static void LogEvaluation(MetricLog log, Stage stage, StepOutput output)
    {
        var prefix = stage.Prefix();
        if (output.Terms is not { } terms)
        {
            log.LogRatio($"{prefix}/loss", output.LossSum, output.Count, LogInterval.Epoch);
            return;
        }
        var (sums, counts) = Stacked(terms);
        log.LogCombination($"{prefix}/loss", sums, counts, [.. terms.Select(t => t.Weight)], LogInterval.Epoch);
        foreach (var term in terms) log.LogRatio($"{prefix}/{term.Name}", term.Sum, term.Count, LogInterval.Epoch);
    }

    static (Tensor Sums, Tensor Counts) Stacked(IReadOnlyList<LossTerm> terms) =>
        (stack(terms.Select(t => t.Sum.detach().to_type(ScalarType.Float64).reshape([])).ToArray()),
         stack(terms.Select(t => t.Count.detach().to_type(ScalarType.Float64).reshape([])).ToArray()));

    static void CheckNames(IReadOnlyList<LossTerm> terms, string[] expected, string where, string source)
    {
        if (terms.Count == expected.Length && terms.Select(t => t.Name).SequenceEqual(expected)) return;
        throw new InvalidOperationException(
            $"{where} returned the loss terms ({string.Join(", ", terms.Select(t => t.Name))}), but {source} named ({string.Join(", ", expected)}). " +
            "Return the same terms, in the same order, from every step.");
    }
}
