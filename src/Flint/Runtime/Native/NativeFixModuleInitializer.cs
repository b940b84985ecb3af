using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Flint.Runtime.Native;

/// <summary>
/// Runs the native fix's preparation when Flint is first used — any Flint type, before its first line — so a program
/// that builds a model, a trainer or a tokenizer before calling into the runtime still gets a loadable libLibTorchSharp.so.
/// Code that calls TorchSharp before touching any Flint type is covered by the build step instead (docs/native-fix.md).
/// </summary>
internal static class NativeFixModuleInitializer
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "libtorch must be made loadable before the first TorchSharp call, which can come from any Flint entry point; Prepare is cheap and never throws.")]
    internal static void Run() => TorchNative.Prepare();
}
