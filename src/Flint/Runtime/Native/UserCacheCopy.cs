using System.Security.Cryptography;
using System.Text;

namespace Flint.Runtime.Native;

/// <summary>
/// A patched copy of libLibTorchSharp.so in a per-user cache, for when the application folder is not Flint's to edit: a
/// NuGet package folder (a local tool runs from the NuGet cache; a global tool from its package store) or a read-only
/// install. The copy sits in <c>~/.cache/flint/native/&lt;hash&gt;/</c> (or <c>$XDG_CACHE_HOME</c>, or <c>$FLINT_NATIVE_CACHE</c>)
/// beside symbolic links to the original's sibling libraries, because the library finds libtorch through <c>$ORIGIN</c>.
/// The hash covers the original's folder and bytes, so an upgrade gets a fresh copy and two installs never share one.
/// </summary>
public static class UserCacheCopy
{
    /// <summary>The environment variable that overrides the cache folder.</summary>
    public const string CacheVariable = "FLINT_NATIVE_CACHE";

    /// <summary>The folder that holds one sub-folder per patched library.</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } explicitRoot) return explicitRoot;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var cache = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "flint", "native");
        }
    }

    /// <summary>
    /// Returns the path of a patched copy of <paramref name="original"/> in the cache, making it when it is missing.
    /// Never writes beside <paramref name="original"/>. Safe when several processes race: each builds in its own
    /// temporary folder and the first rename wins.
    /// </summary>
    /// <param name="original">The stock library.</param>
    /// <param name="cacheRoot">The cache folder; <see cref="Root"/> when null.</param>
    public static string Ensure(string original, string? cacheRoot = null)
    {
        original = Path.GetFullPath(original);
        var root = cacheRoot ?? Root;
        var folder = Path.Combine(root, Key(original));
        var copy = Path.Combine(folder, Path.GetFileName(original));
        if (IsPatched(copy)) return copy;

        Directory.CreateDirectory(root);
        var staging = folder + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(staging);
        try
        {
            var sourceFolder = Path.GetDirectoryName(original)!;
            foreach (var sibling in Directory.EnumerateFiles(sourceFolder))
            {
                var name = Path.GetFileName(sibling);
                if (name == Path.GetFileName(original) || !name.Contains(".so", StringComparison.Ordinal)) continue; // libraries only
                File.CreateSymbolicLink(Path.Combine(staging, name), sibling);
            }
            var staged = Path.Combine(staging, Path.GetFileName(original));
            File.Copy(original, staged);
            LibTorchSharpFix.Apply(staged);
            if (Directory.Exists(folder) && !IsPatched(copy)) Directory.Delete(folder, recursive: true); // a broken earlier attempt
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (IsPatched(copy))
            {
                // Another process finished first; its copy is as good as ours.
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        if (!IsPatched(copy)) throw new IOException($"Could not prepare a patched copy of {original} in {folder}.");
        return copy;
    }

    static bool IsPatched(string path) =>
        File.Exists(path) && ElfSymbolVersioning.ReadRequirements(path).All(n => n.Version != LibTorchSharpFix.Version || n.IsWeak);

    static string Key(string original)
    {
        using var sha = SHA256.Create();
        var folderBytes = Encoding.UTF8.GetBytes(Path.GetDirectoryName(original)! + "\n");
        sha.TransformBlock(folderBytes, 0, folderBytes.Length, null, 0);
        var content = File.ReadAllBytes(original);
        sha.TransformFinalBlock(content, 0, content.Length);
        return Convert.ToHexStringLower(sha.Hash!)[..16];
    }
}
