using Spectre.Console;

namespace Flint.Cli.Commands;

/// <summary>Runs work under a Spectre progress bar on a terminal, or with occasional plain lines when output is redirected.</summary>
internal static class ProgressReporter
{
    public static T Run<T>(string title, Func<Action<double, string>, T> work)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            return AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(title), maxValue: 1.0);
                    var result = work((fraction, detail) =>
                    {
                        task.Value = Math.Clamp(fraction, 0, 1);
                        task.Description = Markup.Escape($"{title} {detail}");
                    });
                    task.Value = 1.0;
                    return result;
                });
        }
        var last = DateTime.MinValue;
        return work((fraction, detail) =>
        {
            if ((DateTime.UtcNow - last).TotalSeconds < 2 && fraction < 1) return;
            last = DateTime.UtcNow;
            Console.WriteLine($"{title} {fraction,6:P0} {detail}");
        });
    }
}
