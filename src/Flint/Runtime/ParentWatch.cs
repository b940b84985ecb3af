using System.Runtime.InteropServices;

namespace Flint.Runtime;

/// <summary>
/// A run started by another flint process (the demo's fine-tunings, a parallel sweep's runs: <see cref="Workflow.ChildRuns"/>) stops as if sent
/// SIGTERM when that process is gone — killed with SIGKILL, or crashed — instead of training on unattended: it finishes
/// its step, saves and marks itself interrupted. The parent names itself in <see cref="Variable"/>; the child checks its
/// parent process id twice a second (an orphan is adopted by another process, so the id changes).
/// </summary>
public static partial class ParentWatch
{
    /// <summary>The environment variable holding the parent's process id.</summary>
    public const string Variable = "FLINT_PARENT_PID";

    /// <summary>Starts watching when <see cref="Variable"/> names a parent (Linux and macOS); returns whether it did.</summary>
    public static bool StartFromEnvironment()
    {
        if (OperatingSystem.IsWindows() || !int.TryParse(Environment.GetEnvironmentVariable(Variable), out int parent)) return false;
        var thread = new Thread(() => Watch(parent)) { IsBackground = true, Name = "flint parent watch" };
        thread.Start();
        return true;
    }

    static void Watch(int parent)
    {
        while (GetParentPid() == parent) Thread.Sleep(500);
        // Already stopping on a signal of its own (a terminal's Ctrl-C reached the whole group): a second would cut it short.
        if (Interrupts.Received is not null) return;
        // The parent is gone: what its SIGTERM would have done. Without a listener to take it, that ends the process.
        if (!Interrupts.Dispatch(PosixSignal.SIGTERM)) Environment.Exit(Interrupts.ExitCode(PosixSignal.SIGTERM));
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();
}
