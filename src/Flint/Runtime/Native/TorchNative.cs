using System.Runtime.InteropServices;
using TorchSharp;

namespace Flint.Runtime.Native;

/// <summary>
/// Loads libtorch once, before any tensor is made, and turns TorchSharp's long load trace into a message a person can act on.
/// The build applies the GLIBCXX fix to every output (build/Flint.NativeFix.targets); this class re-checks at start-up so an
/// application that referenced Flint without that build step still works, and only ever edits its own application folder.
/// </summary>
public static class TorchNative
{
    static readonly Lock Gate = new();
    static NativeFixState? _state;

    /// <summary>Makes sure libtorch is loaded. Idempotent and thread-safe; throws <see cref="FlintNativeLoadException"/> when it cannot be.</summary>
    public static NativeFixState EnsureLoaded()
    {
        lock (Gate)
        {
            if (_state is { } done) return done;
            var state = PrepareLibrary();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                throw new FlintNativeLoadException(Explain(state, e), e);
            }
            _state = state;
            return state;
        }
    }

    /// <summary>The libLibTorchSharp.so files in this application's folder (where the build put them).</summary>
    public static IReadOnlyList<string> FindLibTorchSharpInAppFolder()
    {
        var root = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(root, "libLibTorchSharp.so"),
            Path.Combine(root, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", "libLibTorchSharp.so"),
            Path.Combine(root, "runtimes", "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native", "libLibTorchSharp.so"),
        ];
        return candidates.Where(File.Exists).Distinct().ToList();
    }

    static NativeFixState PrepareLibrary()
    {
        if (!OperatingSystem.IsLinux() || !SystemLibraries.LibStdCxxLacksRequiredVersion()) return NativeFixState.NotNeeded;
        var files = FindLibTorchSharpInAppFolder();
        if (files.Count == 0) return NativeFixState.LibraryNotFound;
        var state = NativeFixState.Applied;
        foreach (var file in files)
        {
            try
            {
                if (LibTorchSharpFix.Apply(file) == WeakenOutcome.Patched) state = NativeFixState.AppliedAtStartup;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only install: leave it; if the load then fails, Explain says what to do.
            }
        }
        return state;
    }

    static string Explain(NativeFixState state, Exception e)
    {
        var firstLine = (e.InnerException ?? e).Message.Split('\n', 2)[0].Trim();
        var libstdcxx = SystemLibraries.FindLibStdCxx() ?? "(no libstdc++.so.6 found)";
        var advice = state switch
        {
            NativeFixState.LibraryNotFound =>
                $"No libLibTorchSharp.so was found in {AppContext.BaseDirectory}. Reference the NuGet package TorchSharp-cpu " +
                "(or TorchSharp-cuda-linux for a GPU) from the project you run, then build it again with 'dotnet build'.",
            NativeFixState.Applied or NativeFixState.AppliedAtStartup =>
                $"The system libstdc++ ({libstdcxx}) lacks {LibTorchSharpFix.Version}; Flint marked that requirement weak, but the library " +
                "still did not load. Run 'ldd' on libLibTorchSharp.so in the folder above to see which other library is missing, " +
                "or install a newer libstdc++6 from your distribution.",
            _ =>
                "Check that the TorchSharp-cpu package restored completely ('dotnet restore'), then run 'flint doctor'.",
        };
        return $"libtorch could not be loaded: {firstLine}{Environment.NewLine}{advice}";
    }
}
