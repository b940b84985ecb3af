using System.Diagnostics;

namespace Flint.Tests.Checkpoints;

public sealed class KillTests
{
    static string Worker => Path.Combine(AppContext.BaseDirectory, "Flint.KillWorker.dll");

    static (int Exit, string Output) Run(string corpus, string dir, int steps, int slowSave, int? killAfterMs)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Worker}\" \"{corpus}\" \"{dir}\" {steps} {slowSave}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (killAfterMs is { } ms && !process.WaitForExit(ms))
        {
            process.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
            process.WaitForExit();
            return (-9, output.Result + error.Result);
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    static string Sha(string output) => output.Split('\n').Single(l => l.StartsWith("done ", StringComparison.Ordinal)).Split("sha256=")[1].Trim();

    [Fact]
    public void Killing_the_process_at_random_moments_and_resuming_ends_with_bit_identical_weights()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        const int steps = 120;

        var straight = Run(corpus, folder.File("straight"), steps, slowSave: 0, killAfterMs: null);
        Assert.True(straight.Exit == 0, straight.Output);
        var expected = Sha(straight.Output);

        // Kills land during start-up, mid-step, mid-accumulation and (with 15 ms after each file) mid-save.
        var random = new Random(2024);
        int kills = 0, killsDuringSave = 0, attempts = 0;
        (int Exit, string Output) last = (-1, "");
        while (attempts++ < 40)
        {
            last = Run(corpus, folder.File("killed"), steps, slowSave: 15, killAfterMs: kills < 8 ? random.Next(900, 2600) : null);
            if (last.Exit == 0) break;
            Assert.Equal(-9, last.Exit);
            kills++;
            var leftovers = Directory.Exists(folder.File("killed/checkpoints")) ? Directory.GetDirectories(folder.File("killed/checkpoints"), ".*") : [];
            if (leftovers.Length > 0) killsDuringSave++;
        }
        Assert.True(last.Exit == 0, last.Output);
        Assert.True(kills >= 5, $"only {kills} kills landed before the run finished");
        Assert.True(killsDuringSave >= 1, "no kill landed during a save");
        Assert.Equal(expected, Sha(last.Output));
    }

    [Fact]
    public async Task Ctrl_c_finishes_the_step_saves_and_says_how_to_resume()
    {
        using var folder = TestPaths.NewTempFolder();
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..20000]);
        var run = folder.File("run");
        var cli = Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{cli}\" pretrain --data \"{corpus}\" --out \"{run}\" --model.preset nano --tokenizer char --trainer.max-steps 1000000 " +
            "--data.batch-size 4 --trainer.progress false --trainer.log-every 5 --checkpoint.every-steps 1000000")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(run, "metrics.csv")) && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Task.Delay(500);
        using (var kill = Process.Start("kill", $"-INT {process.Id}")!) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var printed = await output + await error;
        Assert.True(process.ExitCode == 130, printed);
        Assert.Contains("Interrupted. Continue with: flint pretrain --out", printed);
        Assert.Contains("--resume last", printed);
        Assert.Null(Flint.Checkpoints.CheckpointStore.Problem(Path.Combine(run, "checkpoints", "last")));
        Assert.Contains("\"status\": \"interrupted\"", File.ReadAllText(Path.Combine(run, "summary.json")));
    }
}
