using System.CommandLine;
using System.Diagnostics;
using System.Reflection;

namespace Flint.Cli.Commands;

/// <summary>
/// <c>flint launch -n N -- pretrain …</c>: starts a data-parallel run on N processes with Open MPI's <c>mpirun</c>, with
/// the flags a user would otherwise have to know. <c>mpirun -np N flint …</c> works just as well.
/// </summary>
internal static class LaunchCommand
{
    public static Command Create()
    {
        var processes = new Option<int>("-n", "--processes") { Description = "Processes (ranks); each takes its share of every batch.", Required = true };
        var hostfile = new Option<string?>("--hostfile") { Description = "Open MPI hostfile, to spread the ranks over several machines." };
        var allRanks = new Option<bool>("--log-all-ranks") { Description = "Let every rank print (by default only rank 0 does)." };
        var rest = new Argument<string[]>("command") { Description = "The flint command to run, after --, e.g. -- pretrain --data corpus.txt --out runs/dp", Arity = ArgumentArity.OneOrMore };
        var command = new Command("launch", "Run a flint command on several processes with Open MPI (data parallelism).") { processes, hostfile, allRanks, rest };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            int n = parse.GetValue(processes);
            if (n < 1) throw new ArgumentException($"-n {n}: give at least 1 process.");
            var arguments = MpirunArguments(n, parse.GetValue(hostfile), parse.GetValue(allRanks), parse.GetValue(rest)!);
            Console.Error.WriteLine($"flint launch: mpirun {string.Join(' ', arguments)}");
            return Run(arguments);
        }));
        return command;
    }

    /// <summary>mpirun's arguments: the rank count, root permission when needed, the hostfile or local oversubscription, then this same flint.</summary>
    internal static List<string> MpirunArguments(int n, string? hostfile, bool allRanks, IReadOnlyList<string> command)
    {
        var args = new List<string>();
        if (Environment.UserName == "root") args.Add("--allow-run-as-root"); // Open MPI refuses root unless told
        args.AddRange(hostfile is null ? ["--oversubscribe"] : ["--hostfile", hostfile]);
        args.AddRange(["-np", n.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (allRanks) args.AddRange(["-x", "FLINT_LOG_ALL_RANKS=1"]);
        var self = Environment.ProcessPath ?? "dotnet";
        args.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") args.Add(Assembly.GetEntryAssembly()!.Location); // dotnet Flint.Cli.dll
        args.AddRange(command);
        return args;
    }

    static int Run(List<string> arguments)
    {
        var start = new ProcessStartInfo("mpirun") { UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("flint launch needs Open MPI's mpirun, which is not installed. Install it: sudo apt-get install openmpi-bin libopenmpi-dev");
        }
    }
}
