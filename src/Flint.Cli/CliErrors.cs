using Flint.Config;
using Flint.Runtime.Native;
using Flint.Text.Corpus;
using Spectre.Console;

namespace Flint.Cli;

/// <summary>Turns the errors people cause (bad files, bad config) into a red line and exit code 2, not a stack trace.</summary>
internal static class CliErrors
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ConfigException or CorpusException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                       or IOException or ArgumentException or FlintNativeLoadException or InvalidOperationException or Tracking.RunNotFoundException
                                       or Checkpoints.WeightLoadException)
        {
            AnsiConsole.Console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
    }
}
