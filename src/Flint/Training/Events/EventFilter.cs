namespace Flint.Training.Events;

/// <summary>When a handler runs, judged on the event's <see cref="IEventArgs.Index"/> (Ignite's <c>every</c>/<c>once</c>).</summary>
public sealed class EventFilter
{
    readonly Func<long, bool> _match;

    EventFilter(string description, Func<long, bool> match)
    {
        Description = description;
        _match = match;
    }

    /// <summary>Text for <c>DescribeLoop</c>.</summary>
    public string Description { get; }

    /// <summary>Every <paramref name="n"/>-th occurrence (index divisible by n).</summary>
    public static EventFilter Every(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return new EventFilter($"every {n}", i => i % n == 0);
    }

    /// <summary>Only when the index equals <paramref name="n"/>.</summary>
    public static EventFilter Once(long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 0);
        return new EventFilter($"once at {n}", i => i == n);
    }

    /// <summary>When <paramref name="predicate"/> holds for the index.</summary>
    public static EventFilter When(Func<long, bool> predicate, string description = "when predicate") => new(description, predicate);

    /// <summary>True when a handler with this filter should run for <paramref name="index"/>.</summary>
    public bool Matches(long index) => _match(index);
}
