using System.Diagnostics;
using System.Runtime.InteropServices;
using Flint.Runtime;

namespace Flint.Workflow;

/// <summary>One flint command to run in a child process.</summary>
/// <param name="Name">What it is called in messages (the run's folder name).</param>
/// <param name="Arguments">The command line after the flint program, command name first (e.g. <c>finetune --config FILE</c>).</param>
/// <param name="Log">The file its standard output and error go to.</param>
public sealed record ChildRun(string Name, IReadOnlyList<string> Arguments, string Log);

/// <summary>
/// Runs flint commands as child processes, a few at once, in the order given (put the longest first): each child has its
/// own libtorch thread pool, which is why runs in parallel are processes and not threads. On Linux each child starts in a
/// session of its own (<c>setsid</c>), so a terminal's Ctrl-C or a service manager's SIGTERM to the whole group reaches it
/// once, from here: the first SIGINT or SIGTERM to this process is passed on to the live children (each finishes its
/// step, saves and exits 130 or 143) and no other starts; a second one, or this process ending on a signal, passes it on
/// again (the children then stop at once, as a second signal does); killed outright, it leaves children that notice
/// (<see cref="ParentWatch"/>) and stop as if sent SIGTERM. After a child fails, no other starts and the live ones finish.
/// </summary>
public static partial class ChildRuns
{
    // Signals are per process, so the children are too: every caller (the demo's pool, each of a sweep's workers) shares
    // one set of live children and, while any is watching, one listener that passes a signal on to all of them.
    static readonly HashSet<Process> Live = [];
    static int _watchers;
    static bool _signalled;
    static IDisposable? _listening, _aborting;

    /// <summary>
    /// Runs <paramref name="runs"/> with <paramref name="flint"/> (the program and its leading arguments, e.g.
    /// <c>dotnet …/Flint.Cli.dll</c>), at most <paramref name="parallel"/> at once; <paramref name="finished"/> hears each exit.
    /// Returns each run's exit code, or null for a run that never started.
    /// </summary>
    public static int?[] Run(IReadOnlyList<string> flint, IReadOnlyList<ChildRun> runs, int parallel, Action<ChildRun, int>? finished = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        if (flint.Count == 0) throw new ArgumentException("The flint command is empty.", nameof(flint));
        var exits = new int?[runs.Count];
        bool failed = false;
        using var watching = Watch();
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? error = null;
        int next = -1;
        void Worker()
        {
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < runs.Count)
                {
                    if (Volatile.Read(ref failed) || Once(flint, runs[i]) is not { } exit) return;
                    exits[i] = exit;
                    if (exit != 0) Volatile.Write(ref failed, true);
                    finished?.Invoke(runs[i], exit);
                }
            }
            catch (Exception e)
            {
                // e.g. the program could not start: stop launching, let the live children finish, rethrow on the caller's thread
                lock (Live)
                {
                    failed = true;
                    error ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
                }
            }
        }
        var workers = Enumerable.Range(0, Math.Min(parallel, Math.Max(1, runs.Count))).Select(_ => new Thread(Worker) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        error?.Throw();
        return exits;
    }

    /// <summary>
    /// Runs one child for a caller that schedules its own (a sweep's workers), under the same signal handling as
    /// <see cref="Run"/>; returns its exit code, or the signal's (130, 143) when a signal came before it could start.
    /// </summary>
    public static int RunOne(IReadOnlyList<string> flint, ChildRun run)
    {
        using var watching = Watch();
        return Once(flint, run) ?? Interrupts.ExitCode(Interrupts.Received ?? PosixSignal.SIGINT);
    }

    /// <summary>Starts <paramref name="run"/> unless a signal came, waits for it; null when it did not start.</summary>
    static int? Once(IReadOnlyList<string> flint, ChildRun run)
    {
        Process process;
        StreamWriter log;
        lock (Live)
        {
            if (_signalled) return null;
            (process, log) = Start(flint, run);
            Live.Add(process);
        }
        process.WaitForExit(); // also waits until all its output has been read
        lock (Live) Live.Remove(process);
        int exit = process.ExitCode;
        process.Dispose();
        lock (log) log.Dispose();
        return exit;
    }

    /// <summary>Until disposed, a SIGINT or SIGTERM (and this process ending on one) is passed on to every live child.</summary>
    static Watching Watch()
    {
        lock (Live)
        {
            if (_watchers++ == 0)
            {
                _signalled = false;
                _listening = Interrupts.Listen(signal =>
                {
                    lock (Live)
                    {
                        _signalled = true; // no other starts
                        foreach (var process in Live) Forward(process, signal);
                    }
                });
                _aborting = Interrupts.OnAbort(signal =>
                {
                    lock (Live) foreach (var process in Live) Forward(process, signal);
                });
            }
        }
        return new Watching();
    }

    sealed class Watching : IDisposable
    {
        int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            lock (Live)
            {
                if (--_watchers > 0) return;
                _listening?.Dispose();
                _aborting?.Dispose();
                (_listening, _aborting) = (null, null);
            }
        }
    }

    static (Process, StreamWriter) Start(IReadOnlyList<string> flint, ChildRun run)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(run.Log))!);
        IReadOnlyList<string> command = [.. flint, .. run.Arguments];
        // setsid(1) execs the command in place (a fresh child is no group leader, so it does not fork): the pid is flint's.
        if (OperatingSystem.IsLinux() && File.Exists(SetSid)) command = [SetSid, .. command];
        var start = new ProcessStartInfo(command[0], command.Skip(1))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment = { [ParentWatch.Variable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        var process = new Process { StartInfo = start };
        process.Start();
        var log = new StreamWriter(run.Log, append: true) { AutoFlush = true };
        log.WriteLine($"$ {string.Join(' ', command)}");
        void Write(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (log) log.WriteLine(e.Data);
        }
        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, log);
    }

    /// <summary>Passes <paramref name="signal"/> on to <paramref name="process"/> (on Windows, which has no such signals, it is ended).</summary>
    static void Forward(Process process, PosixSignal signal)
    {
        try
        {
            if (process.HasExited) return;
            if (OperatingSystem.IsWindows()) process.Kill(entireProcessTree: true);
            else Kill(process.Id, signal == PosixSignal.SIGTERM ? 15 : 2);
        }
        catch (InvalidOperationException)
        {
            // it ended meanwhile
        }
    }

    const string SetSid = "/usr/bin/setsid";

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
