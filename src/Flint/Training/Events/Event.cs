using System.Runtime.ExceptionServices;

namespace Flint.Training.Events;

/// <summary>
/// One typed event. Handlers run in ascending <c>order</c> (then subscription order); subscribing returns a handle
/// whose disposal removes the handler. A handler that throws does not stop the others: every handler runs, then the
/// failure is rethrown (one failure as itself, with its original stack; several as an <see cref="AggregateException"/>).
/// </summary>
public sealed class Event<T> where T : struct, IEventArgs
{
    readonly List<Subscription> _handlers = [];
    long _sequence;

    internal Event(string name) => Name = name;

    /// <summary>The event's name (its payload type's name).</summary>
    public string Name { get; }

    /// <summary>Handlers currently attached, in the order they run.</summary>
    public IReadOnlyList<(string Name, int Order, string? Filter)> Handlers =>
        _handlers.Select(h => (h.Name, h.Order, h.Filter?.Description)).ToList();

    /// <summary>Attaches <paramref name="handler"/>.</summary>
    /// <param name="handler">Receives the payload and the loop context (state, control, log).</param>
    /// <param name="order">Lower runs first; built-in callbacks use multiples of 10.</param>
    /// <param name="filter">Run only on some firings: <see cref="EventFilter.Every"/> and <see cref="EventFilter.Once"/> count the firings
    /// this subscription has seen; <see cref="EventFilter.EveryStep"/> and <see cref="EventFilter.When"/> look at the payload's <see cref="IEventArgs.Index"/>.</param>
    /// <param name="name">Shown by <c>DescribeLoop</c>; defaults to the handler's declaring type.</param>
    public IDisposable Subscribe(Action<T, LoopContext> handler, int order = 0, EventFilter? filter = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, handler, order, filter, name ?? handler.Method.DeclaringType?.Name ?? "handler", _sequence++);
        _handlers.Add(subscription);
        _handlers.Sort((a, b) => a.Order != b.Order ? a.Order.CompareTo(b.Order) : a.Sequence.CompareTo(b.Sequence));
        return subscription;
    }

    internal void Fire(in T args, LoopContext context)
    {
        if (_handlers.Count == 0) return;
        List<Exception>? failures = null;
        // A copy, so a handler may unsubscribe itself (or others) while the event fires.
        foreach (var h in _handlers.ToArray())
        {
            long occurrence = ++h.Occurrences;
            if (h.Filter is not null && !h.Filter.Matches(occurrence, args.Index)) continue;
            // One handler's failure must not cost the others their turn (a progress bar still closes, a timer still stops).
            try { h.Handler(args, context); }
            catch (Exception e) { (failures ??= []).Add(e); }
        }
        if (failures is null) return;
        if (failures.Count == 1) ExceptionDispatchInfo.Capture(failures[0]).Throw();
        throw new AggregateException($"{failures.Count} handlers of {Name} failed.", failures); // the inner messages are appended
    }

    internal bool HasHandlers => _handlers.Count > 0;

    sealed class Subscription(Event<T> owner, Action<T, LoopContext> handler, int order, EventFilter? filter, string name, long sequence) : IDisposable
    {
        public Action<T, LoopContext> Handler { get; } = handler;
        public int Order { get; } = order;
        public EventFilter? Filter { get; } = filter;
        public string Name { get; } = name;
        public long Sequence { get; } = sequence;
        /// <summary>Firings of the event this subscription has seen (filtered or not): what Every/Once count.</summary>
        public long Occurrences { get; set; }

        public void Dispose() => owner._handlers.Remove(this);
    }
}
