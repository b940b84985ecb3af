namespace Flint.Training;

/// <summary>
/// What the steps behind an event put in <see cref="StepOutput.Outputs"/>: one entry per micro-batch of an optimizer step
/// (<c>BatchEnded</c>), or the one batch of <c>ValidationBatchEnded</c>. Tensors in them are valid only while the
/// handlers of that event run (they die with the step's dispose scope); copy what you keep.
/// </summary>
public readonly struct StepOutputs
{
    readonly IReadOnlyList<object?>? _items;

    internal StepOutputs(IReadOnlyList<object?>? items) => _items = items;

    /// <summary>Micro-batches whose step set <see cref="StepOutput.Outputs"/> (0 when none did).</summary>
    public int Count => _items?.Count ?? 0;

    /// <summary>Each micro-batch's outputs as <typeparamref name="T"/>, in order.</summary>
    public IReadOnlyList<T> All<T>()
    {
        if (_items is null) return [];
        var typed = new T[_items.Count];
        for (int i = 0; i < typed.Length; i++) typed[i] = As<T>(_items[i], i);
        return typed;
    }

    /// <summary>The outputs of the one (micro-)batch, as <typeparamref name="T"/>; with accumulation use <see cref="All{T}"/>.</summary>
    public T Single<T>()
    {
        if (Count != 1)
            throw new InvalidOperationException(Count == 0
                ? $"No step set StepOutput.Outputs, so there is no {typeof(T).Name} to read. Return StepOutput.Sum(…) with {{ Outputs = new {typeof(T).Name}(…) }} from the step."
                : $"This optimizer step ran {Count} micro-batches, each with its outputs; read them with Outputs.All<{typeof(T).Name}>().");
        return As<T>(_items![0], 0);
    }

    static T As<T>(object? item, int index) => item is T typed ? typed
        : throw new InvalidCastException($"Micro-batch {index}'s step returned Outputs of type {item?.GetType().Name ?? "null"}, not {typeof(T).Name}.");
}
