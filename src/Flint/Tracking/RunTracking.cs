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
        using var tracked = Begin(run);
        T result;
        try
        {
            result = work();
        }
        catch
        {
            tracked.End(RunStatus.Failed);
            throw;
        }
        tracked.End();
        return result;
    }

    /// <summary>
    /// Marks <paramref name="run"/> running in its store; the handle records how it ended (<see cref="TrackedRun.End"/>) and
    /// releases the folder's lock when disposed.
    /// </summary>
    public static TrackedRun Begin(RunFolder run)
    {
        try
        {
            var tracked = new TrackedRun(run, Indexed(run, () => RunStore.ForRun(run.Path)));
            tracked.Record(RunStatus.Running);
            return tracked;
        }
        catch
        {
            run.ReleaseLock();
            throw;
        }
    }

    /// <summary>The store <paramref name="step"/> returns, or null after a one-line warning when the index failed.</summary>
    internal static RunStore? Indexed(RunFolder run, Func<RunStore> step)
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
