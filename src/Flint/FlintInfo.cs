using System.Reflection;

namespace Flint;

/// <summary>Facts about this build of Flint.</summary>
public static class FlintInfo
{
    /// <summary>Flint's version (the informational version without the source-revision suffix).</summary>
    public static string Version { get; } =
        typeof(FlintInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
