using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Flint.Dashboard;
using Flint.Tests.Reports;
using Xunit.Abstractions;

namespace Flint.Tests.Dashboard;

/// <summary>The dashboard's page in headless Chromium: what a user sees after the page's script ran.</summary>
public sealed class DashboardBrowserTests(ITestOutputHelper log)
{
    const string Chromium = "/usr/bin/chromium";

    /// <summary>The page's DOM after <paramref name="budgetMs"/> of virtual time (timers and fetches run; no real waiting for idle timers).</summary>
    static string Dom(TempFolder folder, string url, int budgetMs = 4000)
    {
        var start = new ProcessStartInfo(Chromium,
            $"--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync " +
            $"--user-data-dir={folder.File("profile-" + Guid.NewGuid().ToString("N"))} --virtual-time-budget={budgetMs} --dump-dom \"{url}\"")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var browser = Process.Start(start)!;
        _ = browser.StandardError.ReadToEndAsync();
        var dom = browser.StandardOutput.ReadToEnd();
        Assert.True(browser.WaitForExit(120_000), "chromium did not finish");
        return dom;
    }

    [SkippableFact]
    public async Task Selecting_two_runs_draws_both_series_and_grouping_by_a_config_key_draws_a_band()
    {
        Skip.IfNot(File.Exists(Chromium), "Debian's chromium is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        foreach (var seed in new long[] { 0, 1 })
            foreach (var lr in new[] { "1e-3", "3e-3" })
                FakeRuns.Make(root, $"lr{lr}-s{seed}", "finetune", seed, lr == "1e-3" ? 0.8 : 0.6, 0.7, settings: new Dictionary<string, string> { ["optimizer.lr"] = lr });
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(root, Port: 0));

        var dom = Dom(folder, $"{server.Url}/?run=lr1e-3-s0&run=lr3e-3-s0&metric=train/loss");
        var drawn = Regex.Matches(dom, "<path class=\"series\" data-runs=\"([^\"]+)\" d=\"M[^\"]+L").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["lr1e-3-s0", "lr3e-3-s0"], drawn);
        Assert.Equal(2, Regex.Matches(dom, "<tr class=\"run selected\"").Count);

        dom = Dom(folder, $"{server.Url}/?run=lr1e-3-s0&run=lr1e-3-s1&run=lr3e-3-s0&run=lr3e-3-s1&metric=train/loss&group=optimizer.lr&smoothing=0.5");
        Assert.Equal(2, Regex.Matches(dom, "<path class=\"band\"").Count); // one mean ± sd band per learning rate
        Assert.Contains("optimizer.lr=1e-3 (mean ± sd, 2 runs)", dom);
    }

    [SkippableFact]
    public async Task A_thousand_runs_are_listed_and_everything_taken_from_a_run_is_escaped()
    {
        Skip.IfNot(File.Exists(Chromium), "Debian's chromium is not installed (.ci/run installs it).");
        using var folder = TestPaths.NewTempFolder();
        var root = folder.File("runs");
        Directory.CreateDirectory(root);
        for (int i = 0; i < 999; i++)
        {
            var run = Directory.CreateDirectory(Path.Combine(root, $"run-{i:0000}")).FullName;
            File.WriteAllText(Path.Combine(run, "config.yaml"), $"kind: {(i % 2 == 0 ? "pretrain" : "finetune")}\nseed: {i % 3}\n");
            File.WriteAllText(Path.Combine(run, "summary.json"), string.Create(CultureInfo.InvariantCulture, $"{{\"status\":\"finished\",\"val_loss\":{1 + i / 1000.0},\"metrics\":{{}}}}"));
        }
        var hostile = Directory.CreateDirectory(Path.Combine(root, "<img src=x onerror=alert(1)>")).FullName;
        File.WriteAllText(Path.Combine(hostile, "config.yaml"), "kind: finetune\ntokenizer: \"<script>alert(2)</script>\"\n");
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(root, Port: 0));

        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        var watch = Stopwatch.StartNew();
        await http.GetStringAsync("/api/runs");
        log.WriteLine($"/api/runs of 1,000 runs: {watch.ElapsedMilliseconds} ms the first time");
        watch.Restart();
        await http.GetStringAsync("/api/runs");
        log.WriteLine($"/api/runs of 1,000 runs: {watch.ElapsedMilliseconds} ms cached");

        watch.Restart();
        var dom = Dom(folder, $"{server.Url}/?configcol=tokenizer", budgetMs: 6000);
        log.WriteLine($"page with 1,000 runs dumped after {watch.ElapsedMilliseconds} ms");
        Assert.Equal(1000, Regex.Matches(dom, "<tr class=\"run\"").Count);
        Assert.Contains("<span id=\"shown\">1000</span>", dom);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", dom);
        Assert.DoesNotContain("<img src=\"x\"", dom);
        Assert.DoesNotContain("<img src=x", dom);
        Assert.Contains("&lt;script&gt;alert(2)&lt;/script&gt;", dom); // a config value, shown as a column
        Assert.DoesNotContain("<script>alert", dom);
    }
}
