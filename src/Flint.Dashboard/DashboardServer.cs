using Flint.Tracking;
using Flint.Logging;
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
        var catalog = new RunCatalog(root);
        app.MapGet("/", () => Results.Content(Page.Html, "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Results.Content(PageScript.Js, "text/javascript; charset=utf-8"));
        app.MapGet("/api/runs", () => Results.Json(catalog.List()));
        app.MapGet("/api/metrics", (string id) => root.Run(id) is { } folder
            ? Results.Json(MetricSeries.Read(folder).ToDictionary(kv => kv.Key, kv => kv.Value.Select(p => new { step = p.Step, tokens = p.Tokens, wall_s = p.WallSeconds, value = p.Value })))
            : Results.NotFound());
        app.MapGet("/api/sweep", (string id) =>
        {
            SweepRecord? record = null;
            SweepTable? table = null;
            try
            {
                if (root.Run(id) is { } folder && SweepRecord.Read(folder) is { } read) (record, table) = (read, SweepTable.Of(folder));
            }
            catch (InvalidDataException) { } // not a sweep record this version reads, or one naming runs outside its folder
            if (record is null || table is null) return Results.NotFound();
            return Results.Json(new
            {
                id, command = record.Command, metric = table.Metric, higher_is_better = table.HigherIsBetter, missing = table.Missing,
                rows = table.Rows.Select(r => new
                {
                    setting = r.Setting, runs = r.Runs.Select(run => Path.Combine(id, run)), seeds = r.Validation.N, val = Numbers.Spread(r.Validation), test = Numbers.Spread(r.Test),
                    val_mean = r.Validation.N > 0 ? r.Validation.Mean : (double?)null, best = r.Best,
                }),
            });
        });
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

    /// <summary>Waits until the process is asked to stop (Ctrl-C).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
