namespace Flint.Workflow;

/// <summary>Finds the data Flint ships (<c>data/</c> in the repository), from the working folder or the installed binaries.</summary>
public static class BundledData
{
    /// <summary>The bundled <c>data</c> folder; a clear error if it cannot be found.</summary>
    public static string Root
    {
        get
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = System.IO.Path.Combine(dir.FullName, "data");
                    if (Directory.Exists(System.IO.Path.Combine(candidate, "rt-polarity")) && Directory.Exists(System.IO.Path.Combine(candidate, "tinyshakespeare"))) return candidate;
                }
            }
            throw new DirectoryNotFoundException("The bundled data folder (data/ with tinyshakespeare, sotu and rt-polarity) was not found; run flint from a Flint checkout.");
        }
    }

    /// <summary>A path under the bundled data folder.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
