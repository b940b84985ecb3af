using System.Runtime.InteropServices;
using System.Runtime.Loader;
using TorchSharp;

namespace Flint.Runtime.Native;

/// <summary>
/// Loads libtorch once, before any tensor is made, and turns TorchSharp's long load trace into a message a person can act on.
/// On Linux with a libstdc++ that lacks GLIBCXX_3.4.32 it first makes libLibTorchSharp.so loadable: the build does that in
/// each output folder (build/Flint.NativeFix.targets, also shipped in the Flint package), and <see cref="Prepare"/> does it
/// again at run time for whatever the build did not reach — in the application folder when Flint may edit it, else in a
/// patched copy in a per-user cache (<see cref="UserCacheCopy"/>). It never writes into a NuGet package folder (where a
/// local tool runs from, and the layout a global tool's store has) or a read-only install.
/// Flint's module initializer calls <see cref="Prepare"/>, so the first use of any Flint type has it done.
/// </summary>
public static class TorchNative
{
    /// <summary>Set to <c>user-cache</c> to never edit the application folder (always use the per-user cache copy).</summary>
    public const string ModeVariable = "FLINT_NATIVE_FIX";

    static readonly Lock Gate = new();
    static NativeFixState? _prepared;
    static NativeFixState? _state;
    static string? _failure;

    /// <summary>The libLibTorchSharp.so that the fix made loadable (in the application folder or the user cache); null when no fix was needed.</summary>
    public static string? LibraryPath { get; private set; }

    /// <summary>Makes sure libtorch is loaded. Idempotent and thread-safe; throws <see cref="FlintNativeLoadException"/> when it cannot be.</summary>
    public static NativeFixState EnsureLoaded()
    {
        lock (Gate)
        {
            if (_state is { } done) return done;
            var state = Prepare();
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

    /// <summary>
    /// Makes libLibTorchSharp.so loadable without loading it: cheap (one read of the system libstdc++'s version table) and
    /// a no-op unless the fix is needed. Idempotent and thread-safe; never throws (a failure surfaces in <see cref="EnsureLoaded"/>).
    /// </summary>
    public static NativeFixState Prepare()
    {
        lock (Gate)
        {
            if (_prepared is { } done) return done;
            OpenMpWaitPolicy.Apply(); // before libtorch (and libgomp) load: see OpenMpWaitPolicy
            NativeFixState state;
            try
            {
                state = PrepareLibrary();
            }
            catch (Exception e)
            {
                // Never throw from here (the module initializer calls it): EnsureLoaded reports the failure when torch is needed.
                state = NativeFixState.Failed;
                _failure = e.Message;
            }
            _prepared = state;
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
            if (IsWeak(file)) { LibraryPath ??= file; continue; }
            if (MayEdit(file))
            {
                try
                {
                    LibTorchSharpFix.Apply(file);
                    LibraryPath ??= file;
                    state = NativeFixState.AppliedAtStartup;
                    continue;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A read-only install: fall through to the per-user copy.
                }
            }
            if (state == NativeFixState.AppliedInUserCache) continue; // one copy serves every name the library goes by
            LoadFromCopy(UserCacheCopy.Ensure(file));
            state = NativeFixState.AppliedInUserCache;
        }
        return state;
    }

    static bool IsWeak(string file) =>
        ElfSymbolVersioning.ReadRequirements(file).All(n => n.Version != LibTorchSharpFix.Version || n.IsWeak);

    /// <summary>False inside a NuGet package folder (NuGet leaves <c>.nupkg.metadata</c> in each package's root) or when the user said so.</summary>
    internal static bool MayEdit(string file)
    {
        if (string.Equals(Environment.GetEnvironmentVariable(ModeVariable), "user-cache", StringComparison.OrdinalIgnoreCase)) return false;
        var dir = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(file))!);
        for (int depth = 0; dir is not null && depth < 8; depth++, dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, ".nupkg.metadata")) || dir.EnumerateFiles("*.nupkg.sha512").Any()) return false;
        return true;
    }

    /// <summary>TorchSharp asks for "LibTorchSharp" by name; answer with the patched copy instead of the stock one beside it.</summary>
    static void LoadFromCopy(string copy)
    {
        LibraryPath = copy;
        IntPtr Resolve(string name) =>
            name is "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so" ? NativeLibrary.Load(copy) : IntPtr.Zero;
        var assembly = typeof(torch).Assembly;
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => Resolve(name));
        }
        catch (InvalidOperationException)
        {
            // Someone else set TorchSharp's resolver: the load-context event still runs once the stock library fails to load.
        }
        var context = AssemblyLoadContext.GetLoadContext(assembly) ?? AssemblyLoadContext.Default;
        context.ResolvingUnmanagedDll += (_, name) => Resolve(name);
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
            NativeFixState.Failed =>
                $"The system libstdc++ ({libstdcxx}) lacks {LibTorchSharpFix.Version} and Flint could not prepare a patched copy of " +
                $"libLibTorchSharp.so: {_failure} Make {UserCacheCopy.Root} writable (or point {UserCacheCopy.CacheVariable} at a writable folder).",
            NativeFixState.Applied or NativeFixState.AppliedAtStartup or NativeFixState.AppliedInUserCache =>
                $"The system libstdc++ ({libstdcxx}) lacks {LibTorchSharpFix.Version}; Flint marked that requirement weak in {LibraryPath}, but the " +
                "library still did not load. Run 'ldd' on it to see which other library is missing, or install a newer libstdc++6 from your distribution.",
            _ =>
                "Check that the TorchSharp-cpu package restored completely ('dotnet restore'), then run 'flint doctor'.",
        };
        return $"libtorch could not be loaded: {firstLine}{Environment.NewLine}{advice}";
    }
}
