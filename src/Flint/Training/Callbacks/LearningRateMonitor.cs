using Flint.Logging;
using Flint.Training.Events;

namespace Flint.Training.Callbacks;

/// <summary>Logs each parameter group's learning rate (<c>lr</c>, and <c>lr/GROUP</c> when there are several). Host values only.</summary>
/// <param name="every">Log every N optimizer steps counted from the start of training, resumed runs included (the value is the LR that step runs with).</param>
public sealed class LearningRateMonitor(int every = 1) : Callback
{
    /// <inheritdoc />
    public override int Order => 10;

    /// <inheritdoc />
    public override IEnumerable<IDisposable> Attach(TrainerEvents events)
    {
        yield return events.BatchStarted.Subscribe((e, ctx) =>
        {
            var optimizer = ctx.Optimizer!;
            ctx.Log.Log(MetricNames.LearningRate, optimizer.LearningRate(0), Reduction.Last);
            if (optimizer.Groups.Count > 1)
                for (int g = 0; g < optimizer.Groups.Count; g++)
                    ctx.Log.Log($"lr/{optimizer.Groups[g].Name}", optimizer.LearningRate(g), Reduction.Last);
        }, Order, EventFilter.EveryStep(every), Name); // by step, not by firing: a resumed run logs at the same steps
    }
}
