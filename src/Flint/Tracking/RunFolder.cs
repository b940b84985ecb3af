using System.Diagnostics;
using Flint.Config;
using Flint.Runtime;

namespace Flint.Tracking;

/// <summary>
/// A run's folder: <c>config.yaml</c> (resolved), <c>metrics.csv</c>/<c>.jsonl</c>, <c>tb/</c>, <c>checkpoints/</c>,
/// <c>tokenizer/</c>, <c>summary.json</c>. Created fresh, or reopened when resuming.
/// </summary>
public sealed class RunFolder
{
    FolderLock? _lock;

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
    /// Opens <paramref name="out"/> (or <c>runs/KIND-TIMESTAMP</c>), locks it for this process (<see cref="LockFile"/>; a
    /// stale lock of a dead process is taken over with a line on <paramref name="log"/>) and writes <paramref name="spec"/>
    /// as its <c>config.yaml</c>. A folder that already holds a run is only reopened when resuming, so a finished run is
    /// never overwritten by accident; a non-empty folder that is not a run is never written into.
    /// </summary>
    public static RunFolder Open(string? @out, RunKind kind, bool resuming, object spec, TextWriter? log = null)
    {
        var path = @out ?? System.IO.Path.Combine("runs", $"{kind.Name()}-{DateTime.Now:yyyyMMdd-HHmmss}");
        if (!System.IO.File.Exists(System.IO.Path.Combine(path, ConfigFile)) && Directory.Exists(path)
            && Directory.EnumerateFileSystemEntries(path).Any(e => !System.IO.Path.GetFileName(e).StartsWith(LockFile, StringComparison.Ordinal)))
            throw new IOException($"{path} is not empty and is not a Flint run (it has no config.yaml); Flint writes only into new, empty or run folders, " +
                "so nothing in it was touched. Choose another --out (a new or empty folder).");
        Directory.CreateDirectory(path);
        var run = new RunFolder(System.IO.Path.GetFullPath(path)) { _lock = FolderLock.Acquire(path, log ?? Console.Out) };
        try
        {
            // Checked under the lock: another process may have made a run here since the check above.
            bool exists = System.IO.File.Exists(run.File(ConfigFile));
            if (exists && !resuming)
                throw new IOException($"{path} already holds a run. Continue it with --resume last, or choose another --out.");
            if (exists && run.Kind != kind)
                throw new IOException($"{path} holds a {run.ConfigValue("kind")} run; 'flint {kind.Name()} --resume' cannot continue it. Choose another --out (did you mean --from?).");
            // A resumed run keeps its record until the checkpoint accepted the settings (the job then rewrites it).
            if (!exists) run.WriteConfig(kind, spec);
            return run;
        }
        catch
        {
            run.ReleaseLock();
            throw;
        }
    }

    /// <summary>The lock file a run holds while a command writes into it (pid, host and start time of that process).</summary>
    public const string LockFile = FolderLock.FileName;

    /// <summary>Releases this process's lock on the run folder (when the command that opened it is done); nothing when it holds none.</summary>
    public void ReleaseLock()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>Writes <paramref name="spec"/> (a settings record) as <c>config.yaml</c>, in the one settings format.</summary>
    public void WriteConfig(RunKind kind, object spec)
    {
        // Written beside and renamed over: a process killed mid-write (it is rewritten when each fit starts) leaves the old
        // file or the new one, never a truncated one that no longer says what kind of run the folder holds.
        var text = $"# flint {kind.Name()}: resolved configuration (Flint {FlintInfo.Version})\n" +
            SettingsYaml.Write(SpecBinder.ValuesOf(spec), SpecBinder.SchemaOf(spec.GetType()), new Dictionary<string, string> { ["kind"] = kind.Name() });
        var temporary = File($".{ConfigFile}.tmp-{Environment.ProcessId}");
        System.IO.File.WriteAllText(temporary, text);
        System.IO.File.Move(temporary, File(ConfigFile), overwrite: true);
    }

    /// <summary>Opens an existing run folder for reading; a clear error when it is not one.</summary>
    public static RunFolder Existing(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such folder.");
        if (!System.IO.File.Exists(System.IO.Path.Combine(path, ConfigFile)))
            throw new InvalidDataException($"{path} is not a Flint run folder (it has no config.yaml). Pass a folder made by 'flint pretrain' or 'flint finetune'.");
        return new RunFolder(System.IO.Path.GetFullPath(path));
    }

    /// <summary>The settings file's name.</summary>
    public const string ConfigFile = "config.yaml";

    /// <summary>What made the run (null for a kind no command writes).</summary>
    public RunKind? Kind => RunKinds.Parse(ConfigValue("kind"));

    /// <summary>A value of the run's resolved config (<c>config.yaml</c>), or null.</summary>
    public string? ConfigValue(string key) => Config().GetValueOrDefault(key);

    /// <summary>
    /// The run's resolved config as dotted keys (including <c>kind</c>), read by the same YAML reader as <c>--config</c>.
    /// Folders written before the settings records keep loading: their corpus path under the root key <c>data</c> becomes <c>data.path</c>.
    /// </summary>
    public Dictionary<string, string> Config()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value, _) in SettingsYaml.Read(File(ConfigFile)))
            values[key == "data" ? "data.path" : key] = value;
        return values;
    }

    /// <summary>The run's settings as the record <typeparamref name="T"/> that made them (validated like a command line).</summary>
    public T Spec<T>() where T : new()
    {
        var schema = SpecBinder.SchemaOf<T>();
        var known = Config().Where(kv => schema.Keys.ContainsKey(kv.Key)).ToDictionary();
        return SpecBinder.Bind<T>(RunConfig.Resolve(schema, null, known));
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
