using Flint.Logging;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;

namespace Samples.CustomCallback;

/// <summary>
/// A custom callback in one file: watches the training loss at each log flush (values the logger already reduced, so no
/// extra device sync), logs how many flushes it has been flat, and asks the loop to stop when it stops improving.
/// It only requests; the Trainer decides when to stop.
/// </summary>
public sealed class LossPlateauStopper(int patience = 3, double minRelativeGain = 0.01) : Callback
{
    double _best = double.PositiveInfinity;
    int _flat;

    public override int Order => 60;

    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.FitStarted.Subscribe((_, _) => (_best, _flat) = (double.PositiveInfinity, 0), Order, name: Name);
        yield return events.LogsFlushed.Subscribe(OnFlush, Order, name: Name);
    }

    void OnFlush(LogsFlushed e, LoopContext ctx)
    {
        var loss = e.Records.LastOrDefault(r => r.Name == "train/loss");
        if (loss.Name is null) return;
        if (loss.Value < _best * (1 - minRelativeGain)) (_best, _flat) = (loss.Value, 0);
        else _flat++;
        ctx.Log.Log("plateau/flat_flushes", _flat, Reduction.Last);
        if (_flat >= patience) ctx.Control.RequestStop($"training loss flat for {_flat} log windows (best {_best:F4})");
    }
}
