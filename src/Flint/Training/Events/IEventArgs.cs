namespace Flint.Training.Events;

/// <summary>
/// An event payload. <see cref="Index"/> is what <see cref="EventFilter.EveryStep"/> and <see cref="EventFilter.When"/>
/// look at: the optimizer step for step events, the epoch for epoch events. (<see cref="EventFilter.Every"/> and
/// <see cref="EventFilter.Once"/> count firings instead.)
/// </summary>
public interface IEventArgs
{
    /// <summary>The event's natural counter (1-based for steps and epochs completed).</summary>
    long Index { get; }
}
