namespace Flint.Benchmarks;

/// <summary>Paths to the repository's bundled data, found by walking up from the benchmark binary.</summary>
internal static class BenchmarkData
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Flint.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("Run the benchmarks from a Flint checkout (Flint.sln not found).");
        }
    }

    public static string Data(params string[] parts) => Path.Combine([RepoRoot, "data", .. parts]);

    /// <summary>tiny-shakespeare and the State of the Union addresses: the bundled corpora (about 12 MB).</summary>
    public static IReadOnlyList<string> CorpusFiles =>
        [Data("tinyshakespeare", "input.txt"), .. Directory.GetFiles(Data("sotu"), "*.txt").Order(StringComparer.Ordinal)];

    /// <summary>Peak resident set size of this process (VmHWM), in MB; 0 where /proc is unavailable.</summary>
    public static double PeakRssMb()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
