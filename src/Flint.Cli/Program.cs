using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Flint.Cli.Commands;

namespace Flint.Cli;

/// <summary>The <c>flint</c> command.</summary>
public static class Program
{
    /// <summary>
    /// How to start this flint as a child process: <c>dotnet …/Flint.Cli.dll</c>, or the single-file executable itself
    /// (sweeps and the demo run several trainings at once that way, each process with its own libtorch threads).
    /// </summary>
    public static IReadOnlyList<string> Self()
    {
        var dll = typeof(Program).Assembly.Location;
        if (dll.Length == 0) return [Environment.ProcessPath!]; // single-file
        // The dotnet that runs this process (PATH may have none, or another), else the apphost beside the dll.
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        return [host, dll];
    }

    /// <summary>Builds the command tree; tests call it to run commands in-process.</summary>
    public static Command BuildRoot()
    {
        // A plain Command named "flint" rather than RootCommand, whose name would be the executable's (Flint.Cli).
        var root = new Command("flint", "Flint: self-supervised NLP research on TorchSharp. Pretrain, fine-tune, compare.")
        {
            new HelpOption(),
            new VersionOption { Action = new PrintFlintVersion() },
            DoctorCommand.Create(),
            TokenizeCommand.Create(),
            TrainTokenizerCommand.Create(),
            WorkflowCommands.Pretrain(),
            WorkflowCommands.Finetune(),
            DemoCommand.Create(),
            ImportExportCommands.ImportOnnx(),
            ImportExportCommands.Export(),
            ToolCommands.Evaluate(),
            ToolCommands.Generate(),
            ToolCommands.LrFind(),
            ToolCommands.DescribeLoop(),
            RunsCommand.Create(),
            SweepCommandLine.Create(),
            RunsCommand.Report(),
            DashboardCommand.Create(),
            LaunchCommand.Create(),
        };
        return root;
    }

    /// <summary>The stock action prints the entry assembly's version, which is the test host's under a test.</summary>
    sealed class PrintFlintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(FlintInfo.Version);
            return 0;
        }
    }

    /// <summary>
    /// Entry point. Under mpirun only rank 0 prints (unless FLINT_LOG_ALL_RANKS=1), so N ranks do not print N copies.
    /// Every command ends with 130 after SIGINT and 143 after SIGTERM, whether it saved and stopped or was cut short.
    /// </summary>
    public static int Main(string[] args)
    {
        if (Flint.Runtime.Distributed.DistributedEnvironment.UnderMpi && Environment.GetEnvironmentVariable("FLINT_LOG_ALL_RANKS") != "1"
            && !Flint.Runtime.Distributed.DistributedEnvironment.Current.IsLeader)
        {
            Console.SetOut(TextWriter.Null);
            Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(TextWriter.Null) });
        }
        // Piped or redirected, Spectre.Console assumes 80 columns and cuts tables: honour COLUMNS, else do not wrap.
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns > 0 ? columns : 250;
        // Before anything is written: a signal at any moment either stops training cleanly or ends the command with its code.
        using var signals = Flint.Runtime.Interrupts.Install();
        Flint.Runtime.ParentWatch.StartFromEnvironment(); // a child of another flint (the demo's runs) stops when that process is gone
        int exit = BuildRoot().Parse(args).Invoke();
        // A command that stopped because of a signal (a saved interrupt, a dashboard shut down) ends with the signal's code.
        return Flint.Runtime.Interrupts.Received is { } signal ? Flint.Runtime.Interrupts.ExitCode(signal) : exit;
    }
}
