using System.CommandLine;
using Flint.Dashboard;
using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary><c>flint dashboard</c>: serve the runs root read-only, with live curves of running runs.</summary>
internal static class DashboardCommand
{
    public static Command Create()
    {
        var runs = new Option<string>("--runs") { Description = "The runs root to serve.", DefaultValueFactory = _ => "runs" };
        var port = new Option<int>("--port") { Description = "Port.", DefaultValueFactory = _ => 8765 };
        var host = new Option<string>("--host") { Description = "Address to bind (loopback by default).", DefaultValueFactory = _ => "127.0.0.1" };
        var remote = new Option<bool>("--allow-remote") { Description = "Allow binding a non-loopback address (prints a warning)." };
        var command = new Command("dashboard", "A live, read-only web dashboard of the runs under --runs: run list, curves of running runs, reports.") { runs, port, host, remote };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var server = DashboardServer.StartAsync(new DashboardOptions(parse.GetValue(runs)!, parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(remote)), Console.Out).GetAwaiter().GetResult();
            AnsiConsole.MarkupLine(Markup.Escape($"Dashboard on {server.Url} (Ctrl-C to stop); serving {Path.GetFullPath(parse.GetValue(runs)!)} read-only."));
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        }));
        return command;
    }
}
