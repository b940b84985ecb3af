using Flint.Tracking;
using Flint.Logging;
using System.Net;
using System.Text;
using System.Text.Json;
using Flint.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flint.Dashboard;

/// <summary>
/// A read-only web dashboard over a runs root: a page listing runs, live curves of running ones (the same charts as
/// reports, refreshed by polling), JSON endpoints, and the run folders' files. It never writes, never serves anything
/// whose real path (every symbolic link resolved) is outside the runs root (traversal and such links get 404), answers
/// only requests addressed to it (<see cref="HostCheck"/>; others get 400), refuses NUL bytes in a request (400), and
/// binds to loopback unless remote access is explicitly allowed.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    readonly WebApplication _app;

    DashboardServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The address it listens on.</summary>
    public string Url { get; }

    /// <summary>Starts the server; throws when asked to bind a non-loopback address without <see cref="DashboardOptions.AllowRemote"/>.</summary>
    public static async Task<DashboardServer> StartAsync(DashboardOptions options, TextWriter? log = null)
    {
        var root = RunsRoot.At(options.RunsRoot);
        bool loopback = options.Host is "127.0.0.1" or "localhost" or "::1";
        if (!loopback && !options.AllowRemote)
            throw new InvalidOperationException($"Binding {options.Host} would expose your runs to the network; pass --allow-remote to do it anyway.");
        if (!loopback) log?.WriteLine($"warning: the dashboard listens on {options.Host}: anyone who can reach this machine can read your runs.");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{(options.Host == "localhost" ? "127.0.0.1" : options.Host)}:{options.Port}");
        var app = builder.Build();
        var hosts = new HostCheck(options.Host);
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            bool nul = request.Path.Value?.Contains('\0', StringComparison.Ordinal) == true
                       || Uri.UnescapeDataString(request.QueryString.Value ?? "").Contains('\0', StringComparison.Ordinal);
            if (nul || !hosts.Allows(request.Headers.Host.ToString()))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            await next(context);
        });
        Map(app, root);
        await app.StartAsync();
        var url = app.Urls.First();
        return new DashboardServer(app, url);
    }

    static void Map(WebApplication app, RunsRoot root)
    {
        app.MapGet("/", () => Results.Content(Page.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/runs", () => Results.Json(ListRuns(root)));
        app.MapGet("/api/metrics", (string id) => root.Run(id) is { } folder
            ? Results.Json(MetricSeries.Read(folder).ToDictionary(kv => kv.Key, kv => kv.Value.Select(p => new { step = p.Step, tokens = p.Tokens, wall_s = p.WallSeconds, value = p.Value })))
            : Results.NotFound());
        app.MapGet("/api/chart", (string id, string name) =>
        {
            if (root.Run(id) is not { } folder) return Results.NotFound();
            var series = MetricSeries.Read(folder);
            IReadOnlyList<MetricPoint> Get(string n) => series.TryGetValue(n, out var p) ? p : [];
            byte[]? png = name switch
            {
                "loss" => Charts.Lines("Loss vs step", "loss (nats)", Charts.Axis.Step, [("train", Get("train/loss")), ("validation", Get("val/loss"))]),
                "lr" => Charts.Lines("Learning rate", "learning rate", Charts.Axis.Step, [("lr", Get(MetricNames.LearningRate))]),
                "throughput" => Charts.Lines("Throughput", "tokens per second", Charts.Axis.WallTime, [("tokens/s", Get(MetricNames.TokensPerSecond))]),
                "accuracy" => Charts.Lines("Validation accuracy", "accuracy (fraction)", Charts.Axis.Step, [("validation", Get("val/accuracy"))]),
                _ => null,
            };
            return png is null ? Results.NotFound() : Results.File(png, "image/png");
        });
        app.MapGet("/files/{**path}", (string path) =>
        {
            // Only files whose real path is strictly inside the runs root: "..", absolute paths and links that leave it are not found.
            if (root.File(path) is not { } real) return Results.NotFound();
            var type = Path.GetExtension(path) switch { ".html" => "text/html", ".png" => "image/png", ".json" => "application/json", ".csv" or ".jsonl" or ".yaml" => "text/plain", _ => "application/octet-stream" };
            return Results.File(real, type);
        });
    }

    /// <summary>Run folders under the root, newest first, read from their files (the dashboard never writes, not even the index).</summary>
    static List<object> ListRuns(RunsRoot root)
    {
        var runs = new List<(DateTime Changed, object Run)>();
        foreach (var config in Directory.EnumerateFiles(root.Real, "config.yaml", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 }))
        {
            var folder = Path.GetDirectoryName(config)!;
            var id = Path.GetRelativePath(root.Real, folder);
            if (root.Run(id) is null) continue; // reached through a link that leaves the root
            if (id.Split(Path.DirectorySeparatorChar).Any(p => p is "checkpoints" or "data")) continue;
            var run = RunFolder.Existing(folder);
            var summary = File.Exists(run.File(RunSummary.FileName)) ? RunSummary.Read(folder) : null;
            var changed = File.Exists(run.File("metrics.csv")) ? File.GetLastWriteTimeUtc(run.File("metrics.csv")) : File.GetLastWriteTimeUtc(config);
            runs.Add((changed, new { id, kind = run.ConfigValue("kind") ?? "", status = (summary?.Status ?? RunStatus.Running).Text(), val_loss = summary?.ValLoss, test_accuracy = summary?.TestAccuracy }));
        }
        return runs.OrderByDescending(r => r.Changed).Select(r => r.Run).ToList();
    }

    /// <summary>Waits until the process is asked to stop (Ctrl-C).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
