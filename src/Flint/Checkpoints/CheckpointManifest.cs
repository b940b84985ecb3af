using System.Text.Json.Serialization;

namespace Flint.Checkpoints;

/// <summary>One file of a checkpoint.</summary>
/// <param name="Name">File name inside the checkpoint folder.</param>
/// <param name="Bytes">Size.</param>
/// <param name="Sha256">Hex SHA-256 of the contents.</param>
public sealed record ManifestFile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary><c>manifest.json</c>: every file with its size and hash, written last, so a checkpoint is valid only if complete.</summary>
/// <param name="FlintVersion">The Flint that wrote it.</param>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Created">UTC time of writing.</param>
/// <param name="Files">The files.</param>
public sealed record CheckpointManifest(
    [property: JsonPropertyName("flint_version")] string FlintVersion,
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("files")] IReadOnlyList<ManifestFile> Files)
{
    /// <summary>The file name.</summary>
    public const string FileName = "manifest.json";
}
