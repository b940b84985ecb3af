
namespace Flint.Tracking;

/// <summary>Registers a run in its runs root's store while it runs, records how it ended, and releases the run folder's lock.</summary>
public static class RunTracking
{
    /// <summary>Runs <paramref name="work"/>, marking the run running, then finished/interrupted (from its summary) or failed.</summary>
    public static T Track<T>(RunFolder run, Func<T> work)
    {
        try
        {
            var store = RunStore.ForRun(run.Path);
            store.Upsert(run.Path, RunStatus.Running);
            try
            {
                var result = work();
                store.Upsert(run.Path);
                return result;
            }
            catch
            {
                store.Upsert(run.Path, RunStatus.Failed);
                throw;
            }
        }
        finally
        {
            run.ReleaseLock();
        }
    }
}
