using System.Diagnostics;
using Flint.Config;

namespace Flint.Workflow;

/// <summary>
/// A run's folder: <c>config.yaml</c> (resolved), <c>metrics.csv</c>/<c>.jsonl</c>, <c>tb/</c>, <c>checkpoints/</c>,
/// <c>tokenizer/</c>, <c>summary.json</c>. Created fresh, or reopened when resuming.
/// </summary>
public sealed class RunFolder
{
    RunFolder(string path) => Path = path;

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Its name.</summary>
    public string Name => System.IO.Path.GetFileName(Path.TrimEnd('/'));

    /// <summary>The checkpoints folder.</summary>
    public string Checkpoints => File("checkpoints");

    /// <summary>A path inside the run.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Opens <paramref name="out"/> (or <c>runs/KIND-TIMESTAMP</c>). A folder that already holds a run is only reopened when
    /// resuming, so a finished run is never overwritten by accident.
    /// </summary>
    public static RunFolder Open(string? @out, string kind, bool resuming, RunConfig config)
    {
        var path = @out ?? System.IO.Path.Combine("runs", $"{kind}-{DateTime.Now:yyyyMMdd-HHmmss}");
        bool exists = System.IO.File.Exists(System.IO.Path.Combine(path, "config.yaml"));
        if (exists && !resuming)
            throw new IOException($"{path} already holds a run. Continue it with --resume last, or choose another --out.");
        Directory.CreateDirectory(path);
        var run = new RunFolder(System.IO.Path.GetFullPath(path));
        run.WriteConfig(kind, config);
        return run;
    }

    /// <summary>Writes the resolved configuration as <c>config.yaml</c>.</summary>
    public void WriteConfig(string kind, RunConfig config) =>
        System.IO.File.WriteAllText(File("config.yaml"), $"# flint {kind}: resolved configuration (Flint {FlintInfo.Version})\nkind: {kind}\n" + config.ToYaml());

    /// <summary>Opens an existing run folder for reading; a clear error when it is not one.</summary>
    public static RunFolder Existing(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such folder.");
        if (!System.IO.File.Exists(System.IO.Path.Combine(path, "config.yaml")))
            throw new InvalidDataException($"{path} is not a Flint run folder (it has no config.yaml). Pass a folder made by 'flint pretrain' or 'flint finetune'.");
        return new RunFolder(System.IO.Path.GetFullPath(path));
    }

    /// <summary>A value of the run's resolved config (<c>config.yaml</c>), or null.</summary>
    public string? ConfigValue(string key) => Config().GetValueOrDefault(key);

    /// <summary>The run's resolved config (<c>config.yaml</c>) as dotted keys, including <c>kind</c>.</summary>
    public Dictionary<string, string> Config()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string section = "";
        foreach (var line in System.IO.File.ReadAllLines(File("config.yaml")))
        {
            if (line.StartsWith('#') || line.Trim().Length == 0) continue;
            var trimmed = line.TrimStart();
            var colon = trimmed.IndexOf(':');
            if (colon < 0) continue;
            var name = trimmed[..colon];
            var value = trimmed[(colon + 1)..].Trim().Trim('"');
            if (!line.StartsWith(' ') && value.Length == 0) { section = name; continue; }
            values[line.StartsWith(' ') ? $"{section}.{name}" : name] = value;
        }
        return values;
    }

    /// <summary>The commit of the git repository around the working folder, if any.</summary>
    public static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (git is null) return null;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && output.Length == 40 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed
        }
    }
}
