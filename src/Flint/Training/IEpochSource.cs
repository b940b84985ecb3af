namespace Flint.Training;

/// <summary>
/// Data whose epochs are addressable: batch <c>i</c> of epoch <c>e</c> is a pure function of (<c>e</c>, <c>i</c>). The
/// Trainer then owns the data position (its <see cref="TrainerState.Epoch"/> and <see cref="TrainerState.BatchInEpoch"/>,
/// which a checkpoint holds), limits take the first N batches of every epoch, and each evaluation is a fresh pass from the
/// first batch that no earlier enumeration can shift. Flint's loaders implement it; any <see cref="IEnumerable{T}"/> still works.
/// </summary>
/// <typeparam name="TBatch">The batch type.</typeparam>
public interface IEpochSource<TBatch> : IReadOnlyCollection<TBatch>
{
    /// <summary>
    /// The batches of epoch <paramref name="epoch"/> from index <paramref name="from"/> on. Enumerating it reads and moves
    /// no cursor, so the same arguments always give the same batches.
    /// </summary>
    IEnumerable<TBatch> Batches(int epoch, long from = 0);
}
