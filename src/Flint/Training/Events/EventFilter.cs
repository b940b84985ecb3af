namespace Flint.Training.Events;

/// <summary>
/// When a handler runs. <see cref="Every"/> and <see cref="Once"/> (Ignite's <c>every</c>/<c>once</c>) count firings:
/// the 1st, 2nd, … time the event fires while this subscription is attached, whatever the payload says. So
/// <c>Once(1)</c> on <c>BeforeBackward</c> runs once, not once per micro-batch of step 1. Each subscription keeps its own
/// count (from its first firing, across fits), even when subscriptions share a filter. <see cref="EveryStep"/> and
/// <see cref="When"/> look at the payload's <see cref="IEventArgs.Index"/> instead (the optimizer step for step events,
/// the epoch for epoch events), which a resumed run continues from its checkpoint.
/// </summary>
public sealed class EventFilter
{
    readonly Func<long, long, bool> _match;

    EventFilter(string description, Func<long, long, bool> match)
    {
        Description = description;
        _match = match;
    }

    /// <summary>Text for <c>DescribeLoop</c>.</summary>
    public string Description { get; }

    /// <summary>Every <paramref name="n"/>-th firing: the n-th, 2n-th, … time this subscription sees the event.</summary>
    public static EventFilter Every(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return new EventFilter($"every {n}", (occurrence, _) => occurrence % n == 0);
    }

    /// <summary>Only the <paramref name="n"/>-th firing (1-based) this subscription sees.</summary>
    public static EventFilter Once(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return new EventFilter($"once at {n}", (occurrence, _) => occurrence == n);
    }

    /// <summary>
    /// When the payload's <see cref="IEventArgs.Index"/> is a multiple of <paramref name="n"/>: every n-th optimizer step
    /// counted from the start of training, so a resumed run keeps the cadence of an uninterrupted one (every n-th epoch
    /// on epoch events). On <c>BeforeBackward</c> it runs for each micro-batch of those steps.
    /// </summary>
    public static EventFilter EveryStep(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return new EventFilter(n == 1 ? "every step" : $"every {n} steps", (_, index) => index % n == 0);
    }

    /// <summary>When <paramref name="predicate"/> holds for the payload's <see cref="IEventArgs.Index"/> (the step or epoch, not the firing count).</summary>
    public static EventFilter When(Func<long, bool> predicate, string description = "when predicate")
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new(description, (_, index) => predicate(index));
    }

    /// <summary>True when a handler with this filter should run on its <paramref name="occurrence"/>-th firing (1-based), whose payload has <paramref name="index"/>.</summary>
    public bool Matches(long occurrence, long index) => _match(occurrence, index);
}
