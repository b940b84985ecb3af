using System.Runtime.CompilerServices;

namespace Flint.Tests;

internal static class TestModuleInitializer
{
    /// <summary>
    /// Flint's own initializer runs at the first use of a Flint type; a test that touches TorchSharp first would load libtorch
    /// before it, with OpenMP's spinning wait policy (see Flint.Runtime.Native.OpenMpWaitPolicy). Run it first.
    /// </summary>
    [ModuleInitializer]
    internal static void Init() => Flint.Runtime.Native.TorchNative.Prepare();
}
