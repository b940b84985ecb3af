using System.Reflection;
using System.Runtime.InteropServices;
using Flint.Runtime.Native;
using TorchSharp;

namespace Flint.Runtime;

/// <summary>What <c>flint doctor</c> found: the facts about this machine and whether Flint can train on it.</summary>
/// <param name="Os">Operating system description.</param>
/// <param name="Dotnet">.NET runtime version.</param>
/// <param name="FlintVersion">Flint's version.</param>
/// <param name="TorchSharpVersion">TorchSharp's version.</param>
/// <param name="LibTorchVersion">libtorch's version as TorchSharp reports it.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="LogicalCores">Logical cores the process may use.</param>
/// <param name="Devices">Devices TorchSharp can see (<c>cpu</c>, then <c>cuda:N</c>).</param>
/// <param name="NativeFix">Whether the GLIBCXX fix was needed and applied.</param>
/// <param name="NativeLibrary">The libLibTorchSharp.so the fix made loadable (application folder or per-user cache); null when none was needed.</param>
/// <param name="Gemm">The fp32 GEMM throughput probe.</param>
/// <param name="Problems">Anything that stops Flint from working; empty when healthy.</param>
public sealed record DoctorReport(
    string Os, string Dotnet, string FlintVersion, string TorchSharpVersion, string LibTorchVersion,
    int Threads, int LogicalCores, IReadOnlyList<string> Devices, NativeFixState? NativeFix, string? NativeLibrary, GemmResult? Gemm,
    IReadOnlyList<string> Problems)
{
    /// <summary>OpenMP's wait policy for libtorch's threads and who chose it, e.g. <c>PASSIVE (set by Flint)</c>; null off Linux.</summary>
    public string? WaitPolicy { get; init; } = Native.OpenMpWaitPolicy.InForce is { } p ? $"{p} ({(Native.OpenMpWaitPolicy.SetByFlint ? "set by Flint" : "from OMP_WAIT_POLICY")})" : null;

    /// <summary>True when nothing stops Flint from working.</summary>
    public bool Healthy => Problems.Count == 0;

    /// <summary>Examines the machine. Never throws for a broken install: problems are reported in <see cref="Problems"/>.</summary>
    public static DoctorReport Examine(int gemmSize = 1024, int gemmRepeats = 8)
    {
        var problems = new List<string>();
        NativeFixState? fix = null;
        string libtorch = "(not loaded)";
        int threads = 0;
        var devices = new List<string>();
        GemmResult? gemm = null;
        try
        {
            fix = TorchNative.EnsureLoaded();
            libtorch = torch.__version__;
            threads = torch.get_num_threads();
            devices.Add("cpu");
            if (torch.cuda.is_available())
                for (int i = 0; i < torch.cuda.device_count(); i++) devices.Add($"cuda:{i}");
            gemm = GemmProbe.Measure(gemmSize, gemmRepeats);
            if (!(gemm.Value.GFlops > 0)) problems.Add($"The GEMM probe measured {gemm.Value.GFlops} GFLOP/s; libtorch is not computing.");
        }
        catch (FlintNativeLoadException e)
        {
            problems.Add(e.Message);
        }
        return new DoctorReport(
            RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, FlintInfo.Version,
            VersionOf(typeof(torch).Assembly), libtorch, threads, Environment.ProcessorCount, devices, fix, TorchNative.LibraryPath, gemm, problems);
    }

    static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
