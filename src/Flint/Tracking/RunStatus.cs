namespace Flint.Tracking;

/// <summary>How a run stands: written to <c>summary.json</c> and the run store as lower-case text.</summary>
public enum RunStatus
{
    /// <summary>Started, not ended (or killed).</summary>
    Running,
    /// <summary>Ended by a stopping rule.</summary>
    Finished,
    /// <summary>Stopped by a signal after saving a checkpoint; continue with <c>--resume last</c>.</summary>
    Interrupted,
    /// <summary>Ended by an exception.</summary>
    Failed,
    /// <summary>Found without a summary when re-indexing: still running, or killed.</summary>
    Incomplete,
}

/// <summary>The text form of <see cref="RunStatus"/> (as in <c>summary.json</c> and the run store).</summary>
public static class RunStatuses
{
    /// <summary><c>running</c>, <c>finished</c>, <c>interrupted</c> or <c>failed</c>.</summary>
    public static string Text(this RunStatus status) => status.ToString().ToLowerInvariant();
}
