using System.Diagnostics;
using System.Security.Cryptography;
using Flint.Tracking;
using Xunit.Abstractions;

namespace Flint.Tests.Workflow;

/// <summary>A sweep through the real <c>flint</c> process, SIGKILLed at random moments and re-run, against one that ran straight through.</summary>
public sealed class SweepKillTests(ITestOutputHelper log)
{
    static string Cli => Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll");

    [Fact]
    public void A_sweep_killed_at_random_moments_and_rerun_ends_with_exactly_the_runs_and_table_of_an_uninterrupted_one()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..2400]);
        string Arguments(string name) => $"sweep pretrain --data \"{corpus}\" --model.preset nano --tokenizer char --trainer.max-steps 12 --checkpoint.every-steps 1 " +
            $"--trainer.progress false --data.batch-size 4 --grid optimizer.lr=1e-3,3e-3 --seeds 2 --out \"{folder.File(Path.Combine("runs", name))}\"";

        var clock = Stopwatch.StartNew();
        var straight = Run(Arguments("straight"), killAfterMs: null);
        Assert.True(straight.Exit == 0, straight.Output);
        int straightMs = (int)clock.ElapsedMilliseconds;

        var random = new Random(16);
        var history = new List<string>();
        (int Exit, string Output) last = (-1, "");
        for (int attempt = 0; attempt < 12 && last.Exit != 0; attempt++)
        {
            // Kill anywhere from process start-up to a quarter of a straight run, so every attempt makes progress and the first
            // three cannot finish the sweep between them (with half a run, a fast machine finished it on the third); after six kills, let it finish.
            int? delay = attempt < 6 ? random.Next(300, Math.Max(400, straightMs / 4)) : null;
            last = Run(Arguments("killed"), delay);
            var finished = Directory.Exists(folder.File("runs/killed"))
                ? Directory.GetDirectories(folder.File("runs/killed")).Count(d => File.Exists(Path.Combine(d, RunSummary.FileName)) && RunSummary.Read(d).Status == RunStatus.Finished) : 0;
            history.Add($"attempt {attempt}: kill after {delay?.ToString() ?? "never"} ms -> exit {last.Exit}, {finished} run(s) finished");
            log.WriteLine(history[^1]);
        }
        var story = string.Join(Environment.NewLine, history);
        Assert.True(last.Exit == 0, story + Environment.NewLine + last.Output);
        Assert.True(history.Count(h => h.Contains("exit -9", StringComparison.Ordinal)) >= 3, "too few kills landed:" + Environment.NewLine + story);

        string a = folder.File("runs/straight"), b = folder.File("runs/killed");
        var runs = RunNames(a);
        Assert.Equal(4, runs.Count);
        Assert.Equal(runs, RunNames(b));
        Assert.Equal(File.ReadAllText(Path.Combine(a, "table.md")), File.ReadAllText(Path.Combine(b, "table.md")));
        foreach (var run in runs)
        {
            Assert.Equal(Sha(Path.Combine(a, run)), Sha(Path.Combine(b, run)));
            Assert.Equal(12, RunSummary.Read(Path.Combine(b, run)).FinalStep);
        }
        // The run store holds the sweep and exactly its runs, all finished.
        var indexed = RunStore.Open(folder.File("runs")).List().Where(r => r.Id.StartsWith("killed", StringComparison.Ordinal)).ToList();
        Assert.Equal(["killed", .. runs.Select(r => $"killed/{r}")], indexed.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(indexed, r => Assert.Equal("finished", r.Status));
        Assert.Equal("sweep", indexed.Single(r => r.Id == "killed").Kind);
    }

    static List<string> RunNames(string sweep) =>
        Directory.GetDirectories(sweep).Where(d => File.Exists(Path.Combine(d, "config.yaml"))).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    static string Sha(string run) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, "checkpoints", "last", "model.safetensors"))));

    static (int Exit, string Output) Run(string arguments, int? killAfterMs)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Cli}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        while (!process.HasExited)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"flint {arguments} ran for over 2 minutes.");
            }
            if (killAfterMs is { } ms && clock.ElapsedMilliseconds >= ms)
            {
                process.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
                process.WaitForExit();
                return (-9, output.Result + error.Result);
            }
            Thread.Sleep(2);
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}
