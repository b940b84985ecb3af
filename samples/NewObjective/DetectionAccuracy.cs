using Flint.Logging;
using Flint.Metrics;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;
using static TorchSharp.torch;

namespace Samples.NewObjective;

/// <summary>
/// Scores the detector from what each step produced (<see cref="Detection"/> in the step's outputs): the metrics are
/// registered once and the log reads and resets them at every log window (<c>train/detect_acc</c>) and every validation
/// (<c>val/detect_acc</c>). Owns device tensors, so it is disposable; the Trainer disposes it.
/// </summary>
public sealed class DetectionAccuracy : Callback, IDisposable
{
    readonly Accuracy _train = new(), _validation = new();

    /// <inheritdoc />
    public override int Order => 50;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.FitStarted.Subscribe((_, ctx) =>
        {
            ctx.Log.Log("train/detect_acc", _train, LogInterval.Step);
            ctx.Log.Log("val/detect_acc", _validation);
        }, Order, name: Name);
        yield return events.BatchEnded.Subscribe((e, _) =>
        {
            foreach (var d in e.Outputs.All<Detection>()) _train.Update(d.Logits.gt(0).to_type(ScalarType.Int64), d.Labels.to_type(ScalarType.Int64));
        }, Order, name: Name);
        yield return events.ValidationBatchEnded.Subscribe((e, _) =>
        {
            var d = e.Outputs.Single<Detection>();
            _validation.Update(d.Logits.gt(0).to_type(ScalarType.Int64), d.Labels.to_type(ScalarType.Int64));
        }, Order, name: Name);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _train.Dispose();
        _validation.Dispose();
    }
}
