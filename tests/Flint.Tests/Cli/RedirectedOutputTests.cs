using System.Diagnostics;

namespace Flint.Tests.Cli;

/// <summary><c>flint</c> writing to a pipe (a file, <c>less</c>, CI logs): tables are not cut to 80 columns; <c>COLUMNS</c> is honoured.</summary>
public sealed class RedirectedOutputTests
{
    static string Run(string? columns, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        if (columns is null) start.Environment.Remove("COLUMNS");
        else start.Environment["COLUMNS"] = columns;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output + process.StandardError.ReadToEnd());
        return output;
    }

    [Fact]
    public void A_piped_runs_table_is_not_cut_to_80_columns_and_follows_COLUMNS()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = Path.Combine(folder.Path, "a-run-with-a-long-name-that-would-not-fit-in-a-narrow-table");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.yaml"), "kind: pretrain\nmodel:\n  preset: nano\n");
        Assert.Equal(0, Flint.Tests.Cli.CliRunner.Run("runs", "reindex", "--runs", folder.Path).Exit);

        var wide = Run(null, "runs", "--runs", folder.Path);
        Assert.Contains("a-run-with-a-long-name-that-would-not-fit-in-a-narrow-table", wide); // whole, on one line
        Assert.True(wide.Split('\n').Max(l => l.TrimEnd().Length) > 80, wide);
        var narrow = Run("60", "runs", "--runs", folder.Path);
        Assert.All(narrow.Split('\n'), l => Assert.True(l.TrimEnd().Length <= 60, l));
    }
}
