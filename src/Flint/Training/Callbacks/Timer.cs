using System.Diagnostics;
using Flint.Logging;
using Flint.Training.Events;

namespace Flint.Training.Callbacks;

/// <summary>Measures where time goes: training vs validation wall time, logged at the end as <c>time/train_s</c> and <c>time/validation_s</c>.</summary>
public sealed class Timer : Callback
{
    readonly Stopwatch _total = new(), _validation = new();

    /// <summary>Total fit time.</summary>
    public TimeSpan Total => _total.Elapsed;

    /// <summary>Time spent validating.</summary>
    public TimeSpan Validation => _validation.Elapsed;

    /// <summary>Time spent training (total minus validation).</summary>
    public TimeSpan Training => _total.Elapsed - _validation.Elapsed;

    /// <inheritdoc />
    public override int Order => -20;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.FitStarted.Subscribe((_, _) => { _total.Restart(); _validation.Reset(); }, Order, name: Name);
        yield return events.ValidationStarted.Subscribe((_, _) => _validation.Start(), Order, name: Name);
        yield return events.ValidationEnded.Subscribe((_, _) => _validation.Stop(), Order, name: Name);
        yield return events.FitEnded.Subscribe((_, ctx) =>
        {
            _total.Stop();
            var at = ctx.Position;
            ctx.Log.Write(
            [
                new LogRecord("time/train_s", Training.TotalSeconds, at.Step, at.Epoch, at.Tokens, at.Samples, at.WallSeconds),
                new LogRecord("time/validation_s", Validation.TotalSeconds, at.Step, at.Epoch, at.Tokens, at.Samples, at.WallSeconds),
            ]);
        }, Order, name: Name);
    }
}
