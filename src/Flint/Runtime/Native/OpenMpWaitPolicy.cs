using System.Runtime.InteropServices;

namespace Flint.Runtime.Native;

/// <summary>
/// libtorch's CPU kernels run on OpenMP (GNU libgomp), whose worker threads spin at every barrier by default. When another
/// process competes for the cores (a second run, a test suite, a browser), a spinning worker keeps the core its partner
/// needs, and small models slow down by 10–30×: measured here, 10 fine-tuning steps of a 2-layer BERT took 9.3–27 s with
/// two threads on a loaded 2-core machine, 0.99 s with <c>OMP_WAIT_POLICY=PASSIVE</c>, 0.95 s with one thread. So Flint
/// asks for the passive policy before libtorch (and so libgomp, which reads it once when it loads) is loaded, unless the
/// user set <c>OMP_WAIT_POLICY</c> themselves. The cost on an idle machine is measured in docs/performance.md.
/// </summary>
public static partial class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>What was in force when libtorch loaded: the user's value, or PASSIVE set by Flint (null off Linux).</summary>
    public static string? InForce { get; private set; }

    /// <summary>Whether Flint set it (false: the user's OMP_WAIT_POLICY, or not Linux).</summary>
    public static bool SetByFlint { get; private set; }

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE in the process's native environment unless it is set. Linux only; never throws.</summary>
    public static void Apply()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } mine) { InForce = mine; return; }
            // .NET keeps its own copy of the environment on Unix: only libc's setenv reaches getenv in native code.
            if (SetEnv(Variable, "PASSIVE", overwrite: 0) != 0) return;
            Environment.SetEnvironmentVariable(Variable, "PASSIVE"); // child processes (sweeps, launch) start with it too
            (InForce, SetByFlint) = ("PASSIVE", true);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // no libc setenv: keep the default policy
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
