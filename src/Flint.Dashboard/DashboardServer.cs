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
/// outside the runs root (traversal attempts get 404), and binds to loopback unless remote access is explicitly allowed.
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
        var root = Path.GetFullPath(options.RunsRoot);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{options.RunsRoot}: no such runs folder.");
        bool loopback = options.Host is "127.0.0.1" or "localhost" or "::1";
        if (!loopback && !options.AllowRemote)
            throw new InvalidOperationException($"Binding {options.Host} would expose your runs to the network; pass --allow-remote to do it anyway.");
        if (!loopback) log?.WriteLine($"warning: the dashboard listens on {options.Host}: anyone who can reach this machine can read your runs.");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{(options.Host == "localhost" ? "127.0.0.1" : options.Host)}:{options.Port}");
        var app = builder.Build();
        Map(app, root);
        await app.StartAsync();
        var url = app.Urls.First();
        return new DashboardServer(app, url);
    }

    static void Map(WebApplication app, string root)
    {
        app.MapGet("/", () => Results.Content(Page.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/runs", () => Results.Json(ListRuns(root)));
        app.MapGet("/api/metrics", (string id) => Resolve(root, id) is { } folder
            ? Results.Json(MetricSeries.Read(folder).ToDictionary(kv => kv.Key, kv => kv.Value.Select(p => new { step = p.Step, tokens = p.Tokens, wall_s = p.WallSeconds, value = p.Value })))
            : Results.NotFound());
        app.MapGet("/api/chart", (string id, string name) =>
        {
            if (Resolve(root, id) is not { } folder) return Results.NotFound();
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
            var full = Path.GetFullPath(Path.Combine(root, path));
            // Only files strictly inside the runs root: "..", absolute paths and symlink tricks that leave it are not found.
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full)) return Results.NotFound();
            var real = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
            if (!real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return Results.NotFound();
            var type = Path.GetExtension(full) switch { ".html" => "text/html", ".png" => "image/png", ".json" => "application/json", ".csv" or ".jsonl" or ".yaml" => "text/plain", _ => "application/octet-stream" };
            return Results.File(real, type);
        });
    }

    /// <summary>Run folders under the root, newest first, read from their files (the dashboard never writes, not even the index).</summary>
    static List<object> ListRuns(string root)
    {
        var runs = new List<(DateTime Changed, object Run)>();
        foreach (var config in Directory.EnumerateFiles(root, "config.yaml", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 }))
        {
            var folder = Path.GetDirectoryName(config)!;
            var id = Path.GetRelativePath(root, folder);
            if (id.Split(Path.DirectorySeparatorChar).Any(p => p is "checkpoints" or "data")) continue;
            var run = RunFolder.Existing(folder);
            var summary = File.Exists(run.File(RunSummary.FileName)) ? RunSummary.Read(folder) : null;
            var changed = File.Exists(run.File("metrics.csv")) ? File.GetLastWriteTimeUtc(run.File("metrics.csv")) : File.GetLastWriteTimeUtc(config);
            runs.Add((changed, new { id, kind = run.ConfigValue("kind") ?? "", status = (summary?.Status ?? RunStatus.Running).Text(), val_loss = summary?.ValLoss, test_accuracy = summary?.TestAccuracy }));
        }
        return runs.OrderByDescending(r => r.Changed).Select(r => r.Run).ToList();
    }

    /// <summary>The folder of run <paramref name="id"/> if it is a run folder inside the root; null otherwise (so the caller answers 404).</summary>
    static string? Resolve(string root, string id)
    {
        var full = Path.GetFullPath(Path.Combine(root, id));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        return File.Exists(Path.Combine(full, "config.yaml")) ? full : null;
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
