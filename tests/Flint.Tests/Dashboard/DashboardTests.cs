using Flint.Tracking;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Flint.Dashboard;
using Flint.Logging;
using Flint.Training;
using Flint.Tests.Training;
using Flint.Workflow;

namespace Flint.Tests.Dashboard;

public sealed class DashboardTests
{
    static string MakeRun(string root, string name)
    {
        var run = RunFolder.Open(Path.Combine(root, name), RunKind.Pretrain, false, new Flint.Workflow.Specs.PretrainSpec());
        File.WriteAllLines(run.File("metrics.csv"), ["step,epoch,tokens,samples,wall_s,name,value", "1,0,10,1,0.1,train/loss,3", "2,0,20,2,0.2,train/loss,2.5", "2,0,20,2,0.2,lr,0.001"]);
        return run.Path;
    }

    static async Task<HttpStatusCode> RawGet(string url, string rawPath)
    {
        // HttpClient would normalise "..": send the request line by hand, as an attacker would.
        var uri = new Uri(url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        using var stream = tcp.GetStream();
        var request = $"GET {rawPath} HTTP/1.1\r\nHost: {uri.Host}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync();
        return (HttpStatusCode)int.Parse(status!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_api_lists_runs_serves_metrics_and_charts_and_rejects_paths_outside_the_runs_root()
    {
        using var folder = TestPaths.NewTempFolder();
        Directory.CreateDirectory(folder.File("runs"));
        MakeRun(folder.File("runs"), "r1");
        File.WriteAllText(folder.File("secret.txt"), "do not serve");
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(folder.File("runs"), Port: 0));
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };

        Assert.Contains("\"id\":\"r1\"", await http.GetStringAsync("/api/runs"));
        Assert.Contains("\"train/loss\":[{\"step\":1", await http.GetStringAsync("/api/metrics?id=r1"));
        var chart = await http.GetAsync("/api/chart?id=r1&name=loss");
        Assert.Equal("image/png", chart.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/files/r1/config.yaml")).StatusCode);
        Assert.Contains("Flint dashboard", await http.GetStringAsync("/"));

        foreach (var attack in new[] { "/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2fsecret.txt", "/files/r1/../../secret.txt", "/files/%2fetc%2fpasswd" })
            Assert.Equal(HttpStatusCode.NotFound, await RawGet(server.Url, attack));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/metrics?id=../")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/metrics?id=%2Ftmp")).StatusCode);
    }

    [Fact]
    public async Task Binding_a_non_loopback_address_needs_an_explicit_flag()
    {
        using var folder = TestPaths.NewTempFolder();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DashboardServer.StartAsync(new DashboardOptions(folder.Path, Host: "0.0.0.0", Port: 0)));
        Assert.Contains("--allow-remote", error.Message);
        var warnings = new StringWriter();
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(folder.Path, Host: "0.0.0.0", Port: 0, AllowRemote: true), warnings);
        Assert.Contains("warning", warnings.ToString());
    }

    [SkippableFact]
    public async Task In_a_real_browser_a_running_runs_curve_gains_points_while_it_trains()
    {
        const string chromium = "/usr/bin/chromium";
        Skip.IfNot(File.Exists(chromium), "Debian's chromium is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        Directory.CreateDirectory(root);
        var runPath = MakeRun(root, "live");
        File.Delete(Path.Combine(runPath, "metrics.csv"));
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(root, Port: 0));

        // A real training run writing its metrics into the run folder while the browser watches.
        using var stop = new CancellationTokenSource();
        var training = Task.Run(() =>
        {
            using var trainer = new Trainer(new TrainerOptions { MaxSteps = 100_000, LogEveryNSteps = 2, ProgressBar = false, SanityValidationBatches = 0 },
                sinks: [new CsvSink(Path.Combine(runPath, "metrics.csv"))]);
            trainer.Events.BatchEnded.Subscribe((_, ctx) => { Thread.Sleep(20); if (stop.IsCancellationRequested) ctx.Control.RequestStop("test over"); });
            trainer.Fit(new TinyTokenModel(), TinyData.Batches(4, 4));
        });

        int PointsShown()
        {
            var start = new ProcessStartInfo(chromium,
                $"--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync " +
                $"--user-data-dir={folder.File("profile-" + Guid.NewGuid().ToString("N"))} --virtual-time-budget=4000 --dump-dom \"{server.Url}/?run=live\"")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var browser = Process.Start(start)!;
            var dom = browser.StandardOutput.ReadToEnd();
            browser.WaitForExit(60_000);
            var match = Regex.Match(dom, "<span id=\"points\">(\\d+)</span>");
            Assert.True(match.Success, "the page did not render a point count: " + dom[..Math.Min(dom.Length, 500)]);
            return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        await Task.Delay(1500);
        int first = PointsShown();
        await Task.Delay(3000);
        int second = PointsShown();
        stop.Cancel();
        await training;
        Assert.True(first > 0, "no points were shown while training");
        Assert.True(second > first, $"the curve did not grow: {first} then {second} points");
    }
}
