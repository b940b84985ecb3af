using System.Security.Cryptography;
using System.Text.Json;

namespace Flint.Checkpoints;

/// <summary>
/// Checkpoint folders on disk, written atomically: files go into a temporary folder, are flushed to disk, hashed into a
/// manifest (written last), and only then renamed into place. The previous <c>last</c> is moved aside before the rename
/// and deleted after it, so at every instant a complete checkpoint exists. Reading verifies sizes and hashes.
/// </summary>
public sealed class CheckpointStore(string directory)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The checkpoints folder.</summary>
    public string Directory { get; } = directory;

    /// <summary>The folder of the checkpoint named <paramref name="name"/>.</summary>
    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>False for a process that only reads the folder (a rank other than the leader of a multi-process run): deletes and clean-ups do nothing.</summary>
    public bool Writes { get; init; } = true;

    /// <summary>Writes a checkpoint named <paramref name="name"/>: <paramref name="write"/> fills the given temporary folder.</summary>
    public string Save(string name, long step, Action<string> write, Action<string>? afterFileWritten = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = Path.Combine(Directory, $".tmp-{name}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temp);
        try
        {
            write(temp);
            var files = new List<ManifestFile>();
            foreach (var file in System.IO.Directory.GetFiles(temp).Order(StringComparer.Ordinal))
            {
                using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
                    stream.Flush(flushToDisk: true);
                files.Add(new ManifestFile(Path.GetFileName(file), new FileInfo(file).Length, Hash(file)));
                afterFileWritten?.Invoke(file);
            }
            var manifest = new CheckpointManifest(FlintInfo.Version, step, DateTimeOffset.UtcNow, files);
            var manifestPath = Path.Combine(temp, CheckpointManifest.FileName);
            File.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, Json));
            using (var stream = new FileStream(manifestPath, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
            afterFileWritten?.Invoke(manifestPath);

            var target = PathOf(name);
            string? aside = null;
            if (System.IO.Directory.Exists(target))
            {
                aside = Path.Combine(Directory, $".old-{name}-{Guid.NewGuid():N}");
                System.IO.Directory.Move(target, aside);
            }
            System.IO.Directory.Move(temp, target);
            if (aside is not null) System.IO.Directory.Delete(aside, recursive: true);
            return target;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Checks a checkpoint folder: manifest present and every file's size and SHA-256 as recorded. Returns null when valid, else why not.</summary>
    public static string? Problem(string folder)
    {
        var manifestPath = Path.Combine(folder, CheckpointManifest.FileName);
        if (!System.IO.Directory.Exists(folder)) return $"{folder} does not exist";
        if (!File.Exists(manifestPath)) return $"{folder} has no {CheckpointManifest.FileName} (the save did not finish)";
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(manifestPath));
        }
        catch (JsonException e)
        {
            return $"{manifestPath} is not valid JSON ({e.Message})";
        }
        if (manifest is null) return $"{manifestPath} is empty";
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(folder, f.Name);
            if (!File.Exists(path)) return $"{path} is missing";
            if (new FileInfo(path).Length != f.Bytes) return $"{path} has {new FileInfo(path).Length} bytes, the manifest says {f.Bytes} (truncated?)";
            if (Hash(path) != f.Sha256) return $"{path} does not match its SHA-256 in the manifest (corrupted)";
        }
        return null;
    }

    /// <summary>Every checkpoint folder (including ones moved aside mid-save), newest step first.</summary>
    public IReadOnlyList<(string Folder, long Step)> All()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var found = new List<(string, long)>();
        foreach (var folder in System.IO.Directory.GetDirectories(Directory))
        {
            if (Path.GetFileName(folder).StartsWith(".tmp-", StringComparison.Ordinal) || Path.GetFileName(folder).StartsWith(SetAsidePrefix, StringComparison.Ordinal)) continue;
            var manifestPath = Path.Combine(folder, CheckpointManifest.FileName);
            long step = -1;
            try
            {
                if (File.Exists(manifestPath)) step = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(manifestPath))?.Step ?? -1;
            }
            catch (JsonException) { }
            found.Add((folder, step));
        }
        return found.OrderByDescending(f => f.Item2).ThenBy(f => Path.GetFileName(f.Item1).StartsWith('.') ? 1 : 0).ToList();
    }

    /// <summary>
    /// The newest valid checkpoint, preferring <c>last</c>. <paramref name="skipped"/> lists the invalid ones passed over, so
    /// the caller can say that it fell back and why.
    /// </summary>
    public string? LatestValid(out List<string> skipped)
    {
        skipped = [];
        var candidates = All().ToList();
        var last = candidates.FindIndex(c => Path.GetFileName(c.Folder) == "last");
        if (last > 0)
        {
            var item = candidates[last];
            candidates.RemoveAt(last);
            candidates.Insert(0, item);
        }
        foreach (var (folder, _) in candidates)
        {
            if (Problem(folder) is { } problem) { skipped.Add(problem); continue; }
            return folder;
        }
        return null;
    }

    /// <summary>Folders a resume found invalid are renamed to start with this, kept for inspection and never read again.</summary>
    public const string SetAsidePrefix = "corrupt-";

    /// <summary>
    /// Renames every named checkpoint that fails its check (not the <c>.tmp-</c>/<c>.old-</c> leftovers of a killed
    /// save, which <see cref="CleanUp"/> handles) to <c>corrupt-NAME-TIME</c>, so a new save can never replace the
    /// evidence; returns the new folders. A process that does not write moves nothing.
    /// </summary>
    public IReadOnlyList<string> SetAsideInvalid()
    {
        if (!Writes || !System.IO.Directory.Exists(Directory)) return [];
        var moved = new List<string>();
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (folder, _) in All())
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith('.') || Problem(folder) is null) continue;
            var target = Path.Combine(Directory, $"{SetAsidePrefix}{name}-{stamp}");
            System.IO.Directory.Move(folder, target);
            moved.Add(target);
        }
        return moved;
    }

    /// <summary>Deletes the checkpoint named <paramref name="name"/> (an evicted top-k one); <c>last</c>, which resuming needs, is refused.</summary>
    public void Delete(string name)
    {
        if (!Writes) return;
        if (name == "last") throw new InvalidOperationException($"Refusing to delete {PathOf(name)}: resuming starts from it.");
        if (System.IO.Directory.Exists(PathOf(name))) System.IO.Directory.Delete(PathOf(name), recursive: true);
    }

    /// <summary>Deletes leftovers of interrupted saves (<c>.tmp-*</c>) and moved-aside folders once a newer valid checkpoint exists.</summary>
    public void CleanUp()
    {
        if (!Writes) return;
        if (!System.IO.Directory.Exists(Directory)) return;
        foreach (var folder in System.IO.Directory.GetDirectories(Directory, ".tmp-*")) TryDelete(folder);
        if (Problem(PathOf("last")) is null)
            foreach (var folder in System.IO.Directory.GetDirectories(Directory, ".old-*")) TryDelete(folder);
    }

    internal static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    static void TryDelete(string folder)
    {
        try { System.IO.Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
