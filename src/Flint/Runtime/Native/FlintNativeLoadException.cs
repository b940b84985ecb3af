namespace Flint.Runtime.Native;

/// <summary>libtorch (through TorchSharp) could not be loaded; the message says what is missing and what to do.</summary>
public sealed class FlintNativeLoadException(string message, Exception? inner = null) : Exception(message, inner);
