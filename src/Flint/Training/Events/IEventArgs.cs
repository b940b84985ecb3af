namespace Flint.Training.Events;

/// <summary>An event payload. <see cref="Index"/> is what <c>every:</c>/<c>once:</c> filters count: the optimizer step for step events, the epoch for epoch events.</summary>
public interface IEventArgs
{
    /// <summary>The event's natural counter (1-based for steps and epochs completed).</summary>
    long Index { get; }
}
