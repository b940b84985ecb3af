namespace Flint.Tracking;

/// <summary>A run being tracked: how it ends is recorded once; disposing releases the run folder's lock.</summary>
public sealed class TrackedRun : IDisposable
{
    readonly RunFolder _run;
    RunStore? _store;

    internal TrackedRun(RunFolder run, RunStore? store) => (_run, _store) = (run, store);

    /// <summary>Whether <see cref="End"/> was called.</summary>
    public bool Ended { get; private set; }

    /// <summary>Records how the run ended: <paramref name="status"/>, or (null) what its <c>summary.json</c> says.</summary>
    public void End(RunStatus? status = null)
    {
        Record(status);
        Ended = true;
    }

    internal void Record(RunStatus? status)
    {
        if (_store is not null) _store = RunTracking.Indexed(_run, () => { _store.Upsert(_run.Path, status); return _store; });
    }

    /// <inheritdoc />
    public void Dispose() => _run.ReleaseLock();
}
