using Microsoft.Data.Sqlite;

namespace Flint.Tracking;

/// <summary>
/// Registers a run in its runs root's store while it runs, records how it ended, and releases the run folder's lock.
/// The store is a cache of the run folders: when it cannot be written, a warning says so and the run goes on.
/// </summary>
public static class RunTracking
{
    /// <summary>Runs <paramref name="work"/>, marking the run running, then finished/interrupted (from its summary) or failed.</summary>
    public static T Track<T>(RunFolder run, Func<T> work)
    {
        try
        {
            var store = Indexed(run, () => RunStore.ForRun(run.Path));
            void Record(RunStatus? status) { if (store is not null) store = Indexed(run, () => { store.Upsert(run.Path, status); return store; }); }
            Record(RunStatus.Running);
            T result;
            try
            {
                result = work();
            }
            catch
            {
                Record(RunStatus.Failed);
                throw;
            }
            Record(null);
            return result;
        }
        finally
        {
            run.ReleaseLock();
        }
    }

    /// <summary>The store <paramref name="step"/> returns, or null after a one-line warning when the index failed.</summary>
    static RunStore? Indexed(RunFolder run, Func<RunStore> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            Console.Out.WriteLine($"warning: the runs index could not record {run.Path} ({e.Message.TrimEnd('.')}); the run is unaffected, " +
                "and 'flint runs reindex' rebuilds the index from the run folders.");
            return null;
        }
    }
}
