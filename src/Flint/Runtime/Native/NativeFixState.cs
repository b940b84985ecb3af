namespace Flint.Runtime.Native;

/// <summary>Whether Flint's libLibTorchSharp.so fix was needed and where it stands.</summary>
public enum NativeFixState
{
    /// <summary>Not Linux, or the system libstdc++ already has GLIBCXX_3.4.32: the stock library loads as is.</summary>
    NotNeeded,
    /// <summary>The fix was needed and the library in the build output carries it.</summary>
    Applied,
    /// <summary>The fix was needed and Flint applied it now, at start-up (the build step had not run).</summary>
    AppliedAtStartup,
    /// <summary>The fix was needed but no libLibTorchSharp.so was found in the application folder.</summary>
    LibraryNotFound,
    /// <summary>
    /// The fix was needed and the application folder is not Flint's to edit (a NuGet package folder, a tool's package store,
    /// a read-only install, or FLINT_NATIVE_FIX=user-cache): a patched copy in the per-user cache is loaded instead.
    /// </summary>
    AppliedInUserCache,
    /// <summary>The fix was needed but could not be made (the per-user cache was not writable); the load will fail.</summary>
    Failed,
}
