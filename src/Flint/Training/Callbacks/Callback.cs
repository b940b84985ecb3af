using Flint.Training.Events;

namespace Flint.Training.Callbacks;

/// <summary>
/// A feature built from event handlers (Ignite: "every feature a handler"). A callback subscribes to the events it
/// needs in <see cref="Attach"/>, with its <see cref="Order"/>; it asks the loop for things through
/// <see cref="LoopContext.Control"/> and never changes the Trainer itself.
/// </summary>
public abstract class Callback
{
    /// <summary>Handlers of lower order run first on each event. Built-ins use multiples of 10.</summary>
    public virtual int Order => 0;

    /// <summary>Shown by <c>DescribeLoop</c>.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Subscribes to events; the returned handles are disposed when the Trainer is.</summary>
    public abstract IEnumerable<IDisposable> Attach(TrainerEvents events);
}
