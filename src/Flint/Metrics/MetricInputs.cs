using TorchSharp;
using static TorchSharp.torch;

namespace Flint.Metrics;

/// <summary>Shape checks and normalisation shared by the classification metrics.</summary>
internal static class MetricInputs
{
    /// <summary>Turns (N, C) scores or (N) class ids into (N) class ids and checks them against (N) targets and an optional (N) mask.</summary>
    public static (Tensor Predicted, Tensor Target) Classes(string metric, Tensor predictions, Tensor targets, Tensor? mask)
    {
        var preds = predictions.dim() switch
        {
            1 => predictions,
            2 => predictions.argmax(1),
            _ => throw Shape(metric, "predictions", "(N) class ids or (N, C) scores", predictions),
        };
        if (targets.dim() != 1) throw Shape(metric, "targets", "(N) class ids", targets);
        if (preds.shape[0] != targets.shape[0])
            throw new ArgumentException(
                $"{metric}: predictions have {preds.shape[0]} rows but targets have {targets.shape[0]} " +
                $"(predictions {Describe(predictions)}, targets {Describe(targets)}).");
        if (mask is null) return (preds, targets);
        if (mask.dim() != 1 || mask.shape[0] != targets.shape[0])
            throw Shape(metric, "mask", $"({targets.shape[0]}) booleans matching the targets", mask);
        var keep = mask.to_type(ScalarType.Bool);
        return (preds[keep], targets[keep]);
    }

    public static ArgumentException Shape(string metric, string what, string expected, Tensor found) =>
        new($"{metric}: {what} should be {expected}, but has shape {Describe(found)}.");

    public static string Describe(Tensor t) => "(" + string.Join(", ", t.shape) + ")";

    /// <summary>A scalar accumulator that lives outside any dispose scope (it must survive many steps).</summary>
    public static Tensor Accumulator(ScalarType dtype, Device device, params long[] shape) =>
        zeros(shape, dtype, device).DetachFromDisposeScope();
}
