using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Flint.Runtime;

/// <summary>
/// An exclusive lock on a folder: a file <c>flint.lock</c> in it naming the owner (<c>pid</c>, <c>host</c>, <c>started</c>),
/// created atomically with its content. A lock whose owner is gone (same host, and the pid no longer runs or now belongs to
/// a process started after the lock) is stale and taken over with a message; a lock from another host is never taken over.
/// Disposing releases it; locks still held when the process exits normally are released then.
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file's name inside the locked folder.</summary>
    public const string FileName = "flint.lock";

    // Process start times are read with clock-tick precision; a pid whose process started this much after the lock is a reused pid.
    static readonly TimeSpan StartSlack = TimeSpan.FromSeconds(2);
    static readonly ConcurrentDictionary<string, FolderLock> Held = new(StringComparer.Ordinal);

    static FolderLock() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var held in Held.Values) held.Dispose();
    };

    FolderLock(string folder) => Folder = folder;

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    string File => Path.Combine(Folder, FileName);

    /// <summary>
    /// Locks <paramref name="folder"/> (which must exist) for this process, taking over a stale lock with a line on
    /// <paramref name="log"/>; throws <see cref="IOException"/> naming the owner when another live process holds it.
    /// </summary>
    public static FolderLock Acquire(string folder, TextWriter? log = null)
    {
        folder = Path.GetFullPath(folder);
        var file = Path.Combine(folder, FileName);
        var owner = new Owner(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            // Written whole to a private file, then linked into place: the lock never exists half-written, and exactly one creator wins.
            var temp = $"{file}.{Guid.NewGuid():N}";
            System.IO.File.WriteAllText(temp, owner.ToJson());
            try
            {
                System.IO.File.Move(temp, file, overwrite: false);
                var acquired = new FolderLock(folder);
                Held[folder] = acquired;
                return acquired;
            }
            catch (IOException) when (System.IO.File.Exists(file))
            {
                System.IO.File.Delete(temp);
                var current = Owner.Read(file);
                if (current is null && !System.IO.File.Exists(file)) continue; // released meanwhile
                if (current is not null && IsAlive(current, folder))
                    throw new IOException($"{folder} is in use by process {current.Pid} on {current.Host} (since {current.Started.ToLocalTime():yyyy-MM-dd HH:mm:ss}). " +
                        $"Wait for it to finish, or choose another --out. If that process is gone, delete {file}.");
                log?.WriteLine(current is null
                    ? $"Took over the lock of {folder}: {file} was unreadable."
                    : $"Took over the lock of {folder}: process {current.Pid} on {current.Host}, which took it at {current.Started.ToLocalTime():yyyy-MM-dd HH:mm:ss}, is no longer running.");
                System.IO.File.Delete(file);
            }
        }
        throw new IOException($"{folder}: could not take {file}; other processes keep taking it. Is another flint writing here?");
    }

    /// <summary>Whether a live process (this one included) holds <paramref name="folder"/>; a stale or absent lock is not held.</summary>
    public static bool IsHeld(string folder)
    {
        folder = Path.GetFullPath(folder);
        var file = Path.Combine(folder, FileName);
        return System.IO.File.Exists(file) && Owner.Read(file) is { } owner && IsAlive(owner, folder);
    }

    /// <summary>Releases the lock (deletes the lock file).</summary>
    public void Dispose()
    {
        if (!Held.TryRemove(new KeyValuePair<string, FolderLock>(Folder, this))) return;
        try { System.IO.File.Delete(File); }
        catch (IOException) { } // the folder went away with its lock (a temporary run)
        catch (UnauthorizedAccessException) { }
    }

    static bool IsAlive(Owner owner, string folder)
    {
        if (!string.Equals(owner.Host, Environment.MachineName, StringComparison.Ordinal)) return true; // cannot look at another machine's processes
        if (owner.Pid == Environment.ProcessId) return Held.ContainsKey(folder); // else this process took it and lost track of it
        if (IsZombie(owner.Pid)) return false;
        try
        {
            using var process = Process.GetProcessById(owner.Pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= owner.Started.UtcDateTime + StartSlack;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // no such process
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // it exists but we may not look at it
        }
    }

    /// <summary>
    /// Whether <paramref name="pid"/> has exited but was not yet reaped by its parent (Linux state Z or X). Such a process
    /// still "exists" to <see cref="Process"/>; a killed run waits in this state until its launcher (e.g. mpirun) collects it.
    /// </summary>
    static bool IsZombie(int pid)
    {
        try
        {
            var stat = System.IO.File.ReadAllText($"/proc/{pid}/stat");
            // "pid (command) state …": the command may hold spaces and parentheses, so read after the last ')'.
            var state = stat[(stat.LastIndexOf(')') + 1)..].TrimStart();
            return state.Length > 0 && state[0] is 'Z' or 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // not Linux, or no such process (then Process says so)
        }
    }

    sealed record Owner(int Pid, string Host, DateTimeOffset Started)
    {
        public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["pid"] = Pid, ["host"] = Host, ["started"] = Started.ToString("O", CultureInfo.InvariantCulture),
        });

        public static Owner? Read(string file)
        {
            try
            {
                var root = JsonDocument.Parse(System.IO.File.ReadAllText(file)).RootElement;
                return new Owner(root.GetProperty("pid").GetInt32(), root.GetProperty("host").GetString() ?? "", root.GetProperty("started").GetDateTimeOffset());
            }
            catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }
    }
}
