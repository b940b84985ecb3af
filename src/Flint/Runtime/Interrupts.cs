using System.Runtime.InteropServices;

namespace Flint.Runtime;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for the whole process, in one place. While something can stop cleanly — a
/// <see cref="Listen"/>er, such as a Trainer with checkpoints from its creation to the end of its fit — the first signal is
/// handed to it and the process goes on (the loop finishes its step, saves <c>last</c> and stops). Otherwise, and at a
/// second signal, the <see cref="OnAbort"/> actions run (mark the run in the index, say what is left) and the process ends
/// the way the signal asks: exit code 130 for SIGINT, 143 for SIGTERM.
/// </summary>
/// <remarks>
/// The signal handlers exist while anything holds them (<see cref="Install"/> by the <c>flint</c> command for its whole
/// life, or a listener), so a program that never trains keeps .NET's default behaviour.
/// </remarks>
public static class Interrupts
{
    static readonly object Gate = new();
    static readonly List<Action<PosixSignal>> Listeners = [];
    static readonly List<Action<PosixSignal>> AbortActions = [];
    static PosixSignalRegistration[]? _registrations;
    static int _holders, _count, _deferrals;
    static PosixSignal? _received, _pending;

    /// <summary>The first signal this process received, or null.</summary>
    public static PosixSignal? Received { get { lock (Gate) return _received; } }

    /// <summary>The conventional exit code for a process ended by <paramref name="signal"/>: 128 + the signal's number.</summary>
    public static int ExitCode(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGTERM => 143,
        PosixSignal.SIGQUIT => 131,
        PosixSignal.SIGHUP => 129,
        _ => 1,
    };

    /// <summary>The signal's usual name (<c>SIGINT</c>, <c>SIGTERM</c>).</summary>
    public static string Name(PosixSignal signal) => signal.ToString();

    /// <summary>Catches SIGINT and SIGTERM until disposed, so <see cref="OnAbort"/> actions run before the process ends. Call it first, before anything is written.</summary>
    public static IDisposable Install()
    {
        Hold();
        return new Handle(Release);
    }

    /// <summary>
    /// Until disposed, the first signal goes to <paramref name="onSignal"/> (on a thread-pool thread) and the process goes
    /// on; the newest listener wins. A listener that arrives after a signal hears it only if the signal was held by
    /// <see cref="Defer"/>; otherwise the signal already ended the process or went to an earlier listener.
    /// </summary>
    public static IDisposable Listen(Action<PosixSignal> onSignal)
    {
        ArgumentNullException.ThrowIfNull(onSignal);
        Hold();
        PosixSignal? waiting;
        lock (Gate)
        {
            Listeners.Add(onSignal);
            (waiting, _pending) = (_pending, null);
        }
        if (waiting is { } signal) onSignal(signal); // it came while a listener was being set up (see Defer)
        return new Handle(() =>
        {
            lock (Gate) Listeners.Remove(onSignal);
            Release();
        });
    }

    /// <summary>
    /// Until disposed, a first signal that no listener takes is held for the next <see cref="Listen"/>er instead of ending
    /// the process: the gap while the thing that will listen (a Trainer and its sinks) is being made. Disposed with the
    /// signal still held, the process ends as the signal asked, after the <see cref="OnAbort"/> actions.
    /// </summary>
    public static IDisposable Defer()
    {
        Hold();
        lock (Gate) _deferrals++;
        return new Handle(() =>
        {
            PosixSignal? unclaimed = null;
            lock (Gate)
            {
                if (--_deferrals == 0) (unclaimed, _pending) = (_pending, null);
            }
            Release();
            if (unclaimed is { } signal)
            {
                RunAbortActions(signal);
                Environment.Exit(ExitCode(signal));
            }
        });
    }

    /// <summary>
    /// Until disposed, <paramref name="action"/> runs when a signal ends the process (no listener, or a second signal).
    /// Actions run newest first, once; an action that throws does not keep the others from running.
    /// </summary>
    public static IDisposable OnAbort(Action<PosixSignal> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (Gate) AbortActions.Add(action);
        return new Handle(() => { lock (Gate) AbortActions.Remove(action); });
    }

    /// <summary>What one signal does; returns true when the process goes on (a listener took it). Tests call it directly.</summary>
    internal static bool Dispatch(PosixSignal signal)
    {
        Action<PosixSignal>? listener;
        lock (Gate)
        {
            _received ??= signal;
            _count++;
            listener = _count == 1 && Listeners.Count > 0 ? Listeners[^1] : null;
            if (listener is null && _count == 1 && _deferrals > 0)
            {
                _pending = signal; // a listener is on its way
                return true;
            }
        }
        if (listener is not null)
        {
            listener(signal);
            return true;
        }
        RunAbortActions(signal);
        return false;
    }

    static void RunAbortActions(PosixSignal signal)
    {
        Action<PosixSignal>[] actions;
        lock (Gate)
        {
            actions = [.. Enumerable.Reverse(AbortActions)];
            AbortActions.Clear(); // once, whichever signal or thread gets here first
        }
        foreach (var action in actions)
        {
            try { action(signal); }
            catch (Exception e) { Console.Error.WriteLine($"warning: while stopping on {Name(signal)}: {e.Message}"); }
        }
    }

    /// <summary>Forgets the signals received (tests only: a real process ends or stops at its first).</summary>
    internal static void ResetForTests()
    {
        lock (Gate) (_received, _pending, _count) = (null, null, 0);
    }

    static void Hold()
    {
        lock (Gate)
        {
            if (_holders++ > 0) return;
            _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(s => PosixSignalRegistration.Create(s, context =>
            {
                // Not cancelled: the runtime ends the process as the signal asks (exit 128 + its number).
                context.Cancel = Dispatch(context.Signal);
            }))];
        }
    }

    static void Release()
    {
        lock (Gate)
        {
            if (--_holders > 0) return;
            foreach (var registration in _registrations ?? []) registration.Dispose();
            _registrations = null;
        }
    }

    sealed class Handle(Action release) : IDisposable
    {
        Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
