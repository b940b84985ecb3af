using System.CommandLine;
using Flint.Runtime;
using Flint.Runtime.Native;
using Flint.Workflow;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint doctor</c>: checks that Flint can train on this machine and says why not when it cannot.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--gemm-size") { Description = "Matrix size N of the fp32 GEMM probe.", DefaultValueFactory = _ => 1024 };
        var command = new Command("doctor", "Check the machine: OS, .NET, TorchSharp/libtorch, threads, devices, the native fix, GEMM GFLOP/s.")
        {
            size,
        };
        command.SetAction(parse => Run(parse.GetValue(size)));
        return command;
    }

    static int Run(int gemmSize)
    {
        var report = DoctorReport.Examine(gemmSize);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("value");
        table.AddRow("OS", Markup.Escape(report.Os));
        table.AddRow(".NET", Markup.Escape(report.Dotnet));
        table.AddRow("Flint", report.FlintVersion);
        table.AddRow("TorchSharp", report.TorchSharpVersion);
        table.AddRow("libtorch", Markup.Escape(report.LibTorchVersion));
        table.AddRow("threads", $"{report.Threads} (of {report.LogicalCores} logical cores)");
        if (report.WaitPolicy is { } policy) table.AddRow("OpenMP wait policy", Markup.Escape(policy + (policy.StartsWith("PASSIVE (set", StringComparison.Ordinal) ? ": threads sleep instead of spinning; OMP_WAIT_POLICY=ACTIVE to spin" : "")));
        table.AddRow("devices", report.Devices.Count == 0 ? "none" : string.Join(", ", report.Devices));
        table.AddRow("native fix (GLIBCXX_3.4.32)", Markup.Escape(report.NativeFix is { } fix ? Describe(fix, report.NativeLibrary) : "unknown"));
        table.AddRow("installed at", Markup.Escape(AppContext.BaseDirectory));
        table.AddRow("bundled data", Markup.Escape(BundledDataFolder()));
        table.AddRow("fp32 GEMM", report.Gemm is { } g ? $"{g.GFlops:F1} GFLOP/s (best of {g.Repeats}, N={g.Size}; median {g.MedianGFlops:F1})" : "not measured");
        var problems = report.Problems.ToList();
        if (Flint.Runtime.Distributed.DistributedEnvironment.UnderMpi)
        {
            var probe = Flint.Runtime.Distributed.MpiProbe.Run(Flint.Runtime.Distributed.DistributedEnvironment.Current);
            if (probe.Rank != 0) return probe.SumCorrect ? 0 : 1; // one report, from rank 0
            table.AddRow("MPI", $"rank 0 of {probe.WorldSize}; all-reduce of 4 MB: {probe.AllReduceMilliseconds:F2} ms (median of 7); sum {(probe.SumCorrect ? "correct" : "WRONG")}");
            if (!probe.SumCorrect) problems.Add("An MPI all-reduce gave a wrong sum: check that every rank runs the same Open MPI.");
        }
        else table.AddRow("MPI", "not running under mpirun (flint launch -n N -- … starts a multi-process run)");
        AnsiConsole.Write(table);
        if (problems.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]Healthy:[/] Flint can train on this machine.");
            return 0;
        }
        foreach (var problem in problems) AnsiConsole.MarkupLine($"[red]Problem:[/] {Markup.Escape(problem)}");
        return 1;
    }

    static string Describe(NativeFixState fix, string? library) => fix switch
    {
        NativeFixState.NotNeeded => "NotNeeded (the system libstdc++ has it)",
        NativeFixState.Applied => $"Applied ({library})",
        NativeFixState.AppliedAtStartup => $"AppliedAtStartup ({library})",
        NativeFixState.AppliedInUserCache => $"AppliedInUserCache ({library})",
        _ => fix.ToString(),
    };

    static string BundledDataFolder()
    {
        try
        {
            return BundledData.Root;
        }
        catch (DirectoryNotFoundException)
        {
            return "not found (flint demo needs it; reinstall the tool or run from a Flint checkout)";
        }
    }
}
