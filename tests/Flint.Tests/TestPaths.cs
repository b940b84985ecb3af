using System.Reflection;

namespace Flint.Tests;

/// <summary>Where the tests find things and put temporary files.</summary>
internal static class TestPaths
{
    public static string NuGetPackageRoot =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>The libLibTorchSharp.so exactly as TorchSharp ships it.</summary>
    public static string PristineLibTorchSharp =>
        Path.Combine(NuGetPackageRoot, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The repository root (the folder holding Flint.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Flint.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("Flint.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A path under the repository's bundled <c>data/</c> folder.</summary>
    public static string Data(params string[] parts) => System.IO.Path.Combine([RepoRoot, "data", .. parts]);

    /// <summary>A path under the tests' <c>TestData/</c> folder.</summary>
    public static string TestData(string name) => System.IO.Path.Combine(RepoRoot, "tests", "Flint.Tests", "TestData", name);

    /// <summary>A fresh empty folder under the system temp folder, deleted when disposed.</summary>
    public static TempFolder NewTempFolder() => new();
}

internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flint-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
