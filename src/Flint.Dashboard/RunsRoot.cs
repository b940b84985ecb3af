namespace Flint.Dashboard;

/// <summary>
/// The runs root as the dashboard sees it: every path it serves is resolved to its real location (each component's
/// symbolic link followed, as the kernel would) and must lie strictly inside the root's real location. A link inside the
/// root may point elsewhere inside it; a link that leaves it serves nothing.
/// </summary>
internal sealed class RunsRoot
{
    // More links than this in one path is a loop (Linux gives up at 40 as well).
    const int MaxLinks = 40;

    RunsRoot(string real) => Real = real;

    /// <summary>The root's real path (no links in any component).</summary>
    public string Real { get; }

    /// <summary>The root at <paramref name="path"/>; throws when it does not exist.</summary>
    public static RunsRoot At(string path)
    {
        var real = RealPath(Path.GetFullPath(path));
        if (real is null || !Directory.Exists(real)) throw new DirectoryNotFoundException($"{path}: no such runs folder.");
        return new RunsRoot(real);
    }

    /// <summary>The real path of the file <paramref name="relative"/> (a path under the root, as requested), or null when it is not a file inside the root.</summary>
    public string? File(string relative) => Inside(relative) is { } real && System.IO.File.Exists(real) ? real : null;

    /// <summary>The real path of run <paramref name="id"/> when it is a run folder inside the root; null otherwise.</summary>
    public string? Run(string id) => Inside(id) is { } real && System.IO.File.Exists(Path.Combine(real, "config.yaml")) ? real : null;

    /// <summary>Whether <paramref name="path"/> (a real path) lies strictly inside the root.</summary>
    public bool Contains(string path) => path.StartsWith(Real + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    string? Inside(string relative)
    {
        if (relative.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(relative)) return null;
        var real = RealPath(Path.GetFullPath(Path.Combine(Real, relative)));
        return real is not null && Contains(real) ? real : null;
    }

    /// <summary>
    /// <paramref name="full"/> (an absolute, normalised path) with every symbolic link resolved, component by component;
    /// null for a link loop. Components that do not exist are kept as they are (the caller then finds nothing there).
    /// </summary>
    internal static string? RealPath(string full, int links = 0)
    {
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > MaxLinks) return null;
                // The target is relative to the folder holding the link, which is already real, so ".." in it is exact.
                var resolved = RealPath(Path.GetFullPath(target, current), links);
                if (resolved is null) return null;
                next = resolved;
            }
            current = next;
        }
        return current;
    }
}
