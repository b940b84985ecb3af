using TorchSharp;

namespace Flint.Training;

/// <summary>Checks on what a step returned, with messages that name the step and what was expected.</summary>
internal static class StepChecks
{
    /// <summary>Checks a training step's output; returns how errors name the step.</summary>
    public static string Training(StepOutput output, torch.nn.Module module, TrainerState state)
    {
        var where = $"{module.GetType().Name}.TrainingStep (step {state.Step}, batch {state.BatchInEpoch} of epoch {state.Epoch})";
        Common(output, where);
        if (!output.LossSum.requires_grad)
            throw new InvalidOperationException(
                $"{where} returned a loss that does not require grad, so backward() cannot train anything. " +
                "Was it computed under no_grad, detached, or are all parameters frozen?");
        return where;
    }

    public static void Evaluation(StepOutput output, torch.nn.Module module, Stage stage, long batch) =>
        Common(output, $"{module.GetType().Name}.{(stage == Stage.Test ? "TestStep" : "ValidationStep")} (batch {batch})");

    static void Common(StepOutput output, string where)
    {
        if (output.LossSum is null || output.Count is null)
            throw new InvalidOperationException($"{where} returned no loss. Return StepOutput.Sum(lossSum, count, samples) or StepOutput.Mean(loss, samples).");
        if (output.LossSum.numel() != 1)
            throw new InvalidOperationException(
                $"{where} returned a loss of shape ({string.Join(", ", output.LossSum.shape)}); expected a scalar. Sum it (and count what you summed).");
        if (output.Count.numel() != 1)
            throw new InvalidOperationException($"{where} returned a count of shape ({string.Join(", ", output.Count.shape)}); expected a scalar.");
        if (output.Terms is { } terms) Terms(terms, where);
        if (!output.LossSum.is_floating_point())
            throw new InvalidOperationException($"{where} returned a loss of type {output.LossSum.dtype}; expected a floating-point tensor.");
    }

    static void Terms(IReadOnlyList<LossTerm> terms, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in terms)
        {
            if (string.IsNullOrWhiteSpace(t.Name) || t.Name.Contains('/') || t.Name == "loss" || !seen.Add(t.Name))
                throw new InvalidOperationException(
                    $"{where} returned a loss term named '{t.Name}'; each term needs its own name without '/', other than 'loss' (it is logged as train/NAME, and train/loss is their combination).");
            if (t.Sum is null || t.Count is null || t.Sum.numel() != 1 || t.Count.numel() != 1)
                throw new InvalidOperationException($"{where} returned loss term '{t.Name}' without a scalar sum and count; sum the term and count what you summed.");
            if (!double.IsFinite(t.Weight))
                throw new InvalidOperationException($"{where} returned loss term '{t.Name}' with weight {t.Weight}; weights must be finite numbers.");
        }
    }

    public static InvalidOperationException EmptyEpoch(TrainerState state, long? limit) =>
        new($"The training data yielded no batches in epoch {state.Epoch}" +
            (limit is null ? "" : $" (LimitTrainBatches = {limit})") +
            ". Check the dataset path and filters; an IEnumerable that can only be enumerated once also ends after the first epoch.");
}
