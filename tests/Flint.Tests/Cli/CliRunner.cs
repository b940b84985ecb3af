using System.CommandLine;

namespace Flint.Tests.Cli;

/// <summary>Runs the flint command tree in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var spectreOut = Spectre.Console.AnsiConsole.Console;
        var consoleOut = Console.Out;
        Console.SetOut(output); // jobs write their progress to standard output
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(output),
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 500; // no wrapping: tests match whole messages
        Spectre.Console.AnsiConsole.Console = console;
        try
        {
            var exit = Flint.Cli.Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Spectre.Console.AnsiConsole.Console = spectreOut;
            Console.SetOut(consoleOut);
        }
    }
}
