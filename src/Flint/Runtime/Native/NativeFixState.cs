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
}
