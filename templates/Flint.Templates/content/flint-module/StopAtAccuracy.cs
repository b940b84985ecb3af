using Flint.Training.Callbacks;
using Flint.Training.Events;

namespace MyIdea;

/// <summary>A callback: asks the loop to stop once validation accuracy reaches a target. It requests; the Trainer decides.</summary>
public sealed class StopAtAccuracy(double target) : Callback
{
    public override int Order => 60;

    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.ValidationEnded.Subscribe((e, ctx) =>
        {
            if (!e.IsSanityCheck && e.Metrics.TryGetValue("val/accuracy", out var accuracy) && accuracy >= target)
                ctx.Control.RequestStop($"validation accuracy {accuracy:P1} reached the target {target:P0}");
        }, Order, name: Name);
    }
}
