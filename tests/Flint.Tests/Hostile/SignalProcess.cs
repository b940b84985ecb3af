using System.Diagnostics;

namespace Flint.Tests.Hostile;

/// <summary>A <c>flint</c> command in its own process, signalled when a file appears (or a line is printed) — what a user's Ctrl-C or a job manager's SIGTERM does.</summary>
internal static class SignalProcess
{
    static string Cli => Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll");

    /// <summary>Starts <c>flint args</c>, waits until <paramref name="ready"/> holds, waits <paramref name="delay"/>, sends <paramref name="signal"/> (INT, TERM) and returns the exit code and everything printed.</summary>
    public static Task<(int Exit, string Output)> Run(string signal, Func<string, bool> ready, TimeSpan delay, params string[] args) =>
        Run(signal, ready, delay, group: false, args);

    /// <summary>
    /// As <see cref="Run(string, Func{string, bool}, TimeSpan, string[])"/>; with <paramref name="group"/> the command leads a
    /// process group of its own (setsid) and the signal goes to the whole group, as a terminal's Ctrl-C does.
    /// </summary>
    public static async Task<(int Exit, string Output)> Run(string signal, Func<string, bool> ready, TimeSpan delay, bool group, params string[] args)
    {
        var start = new ProcessStartInfo(group ? "setsid" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (group) start.ArgumentList.Add("dotnet"); // setsid execs it in place: the pid is dotnet's, and the group's
        start.ArgumentList.Add(Cli);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var printed = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (printed) printed.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (printed) printed.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        string Printed() { lock (printed) return printed.ToString(); }
        while (!ready(Printed()) && !process.HasExited && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.False(process.HasExited, $"the command ended before the signal was due: {Printed()}");
        if (delay > TimeSpan.Zero) await Task.Delay(delay);
        using (var kill = Process.Start("kill", group ? $"-{signal} -- -{process.Id}" : $"-{signal} {process.Id}")!) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, Printed());
    }

    /// <summary>Ready once <paramref name="path"/> exists.</summary>
    public static Func<string, bool> When(string path) => _ => File.Exists(path);
}
