namespace Flint.Workflow;

/// <summary>
/// Finds the data Flint ships (<c>data/</c> in the repository, beside the <c>flint</c> tool's binaries): the folder named by
/// the <c>FLINT_DATA</c> environment variable, else a <c>data</c> folder above the working folder or the application.
/// A library user outside a checkout points <c>FLINT_DATA</c> at a copy of it.
/// </summary>
public static class BundledData
{
    /// <summary>The environment variable that names the data folder explicitly.</summary>
    public const string Variable = "FLINT_DATA";

    /// <summary>The bundled <c>data</c> folder; a clear error if it cannot be found.</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named)
                return Holds(named) ? System.IO.Path.GetFullPath(named)
                    : throw new DirectoryNotFoundException($"{Variable} is {named}, which does not hold the bundled data (rt-polarity/ and tinyshakespeare/). " +
                        $"Point {Variable} at the data/ folder of a Flint checkout or of the flint tool, or unset it.");
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = System.IO.Path.Combine(dir.FullName, "data");
                    if (Holds(candidate)) return candidate;
                }
            }
            throw new DirectoryNotFoundException("The bundled data folder (data/ with tinyshakespeare, sotu and rt-polarity) was not found above the working folder " +
                $"or the application. Run from a Flint checkout, or set {Variable} to the data/ folder of one (or of the installed flint tool).");
        }
    }

    static bool Holds(string folder) =>
        Directory.Exists(System.IO.Path.Combine(folder, "rt-polarity")) && Directory.Exists(System.IO.Path.Combine(folder, "tinyshakespeare"));

    /// <summary>A path under the bundled data folder.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
