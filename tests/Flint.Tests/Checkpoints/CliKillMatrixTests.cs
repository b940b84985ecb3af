using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flint.Checkpoints;
using Xunit.Abstractions;

namespace Flint.Tests.Checkpoints;

/// <summary>
/// The kill/resume matrix through the real <c>flint</c> process: each training command, SIGKILLed at random moments (start-up,
/// mid-step, mid-save) and restarted with <c>--resume last</c> until it finishes, must end with the weights and the logs of
/// the same command run once without interruption.
/// </summary>
public sealed class CliKillMatrixTests(ITestOutputHelper log)
{
    static string Cli => Path.Combine(AppContext.BaseDirectory, "Flint.Cli.dll");

    /// <summary>
    /// Metrics whose values are wall-clock measurements, so they differ between any two runs, killed or not; dropped before
    /// comparing. <c>throughput/*</c> (ThroughputMonitor: samples/s and tokens/s over a window of log-every steps, MFU when a
    /// peak is known; its window also restarts with each process, so its rows even land at other steps after a resume) and
    /// <c>time/*</c> (Timer: training and validation seconds of this process, written at the end of the fit).
    /// </summary>
    static readonly HashSet<string> WallTimeMetrics =
        ["throughput/samples_per_s", "throughput/tokens_per_s", "throughput/mfu", "time/train_s", "time/validation_s"];

    enum KillAt { StartUp, MidStep, MidSave }

    // Three start-ups (one before anything is saved), three landings between or inside steps, three inside a checkpoint save.
    static readonly KillAt[] Plan = [KillAt.StartUp, KillAt.MidStep, KillAt.MidSave, KillAt.MidStep, KillAt.MidSave, KillAt.StartUp, KillAt.MidStep, KillAt.MidSave, KillAt.StartUp];

    // Two epochs each, whose batch counts are not multiples of 3 (the micro-batches per step), so each ends inside a window.
    // Pretraining: 2,284 training characters → (2,284 − 1 − 31) / 32 = 70 windows of the nano context → 17 batches of 4 (68
    // samples) per epoch: 5 full steps and one of 2 micro-batches, 6 steps; 12 steps and 136 samples in all.
    // Fine-tuning: 80 reviews → 64/8/8 train/validation/test → 13 batches of 5 (the last of 4) per epoch: 4 full steps and one
    // of 1 micro-batch, 5 steps; 10 steps and 128 samples in all.
    [Theory]
    [InlineData("clm", 12, 136)]
    [InlineData("mlm", 12, 136)]
    [InlineData("electra", 12, 136)]
    [InlineData("finetune", 10, 128)]
    public void A_run_killed_at_random_moments_and_resumed_ends_with_the_weights_and_logs_of_an_uninterrupted_run(string configuration, long steps, long samples)
    {
        using var folder = TestPaths.NewTempFolder();
        var arguments = Arguments(configuration, folder);
        string straight = folder.File("straight"), killed = folder.File("killed");

        var watch = Stopwatch.StartNew();
        // How long start-up (until the first checkpoint is in place) and a step take on this machine now, to aim the kills.
        long firstSaveMs = -1, lastSaveMs = -1;
        var uninterrupted = Run($"{arguments} --out \"{straight}\"", run: null, kill: clock =>
        {
            long step = CheckpointStep(Path.Combine(straight, "checkpoints", "last"));
            if (firstSaveMs < 0 && step > 0) firstSaveMs = clock.ElapsedMilliseconds;
            if (lastSaveMs < 0 && step == steps) lastSaveMs = clock.ElapsedMilliseconds;
            return false;
        });
        int stepMs = (int)Math.Max(1, (lastSaveMs - firstSaveMs) / (steps - 1));
        var straightSeconds = watch.Elapsed.TotalSeconds;
        Assert.True(uninterrupted.Exit == 0, uninterrupted.Output);
        Assert.Equal(steps, CheckpointStep(Path.Combine(straight, "checkpoints", "last")));
        var finished = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "checkpoints", "last", "trainer.json")))!;
        Assert.Equal((2, samples), (finished["epoch"]!.GetValue<int>(), finished["samples"]!.GetValue<long>()));

        var random = new Random(2024);
        var history = new List<string>();
        (int Exit, string Output) last = (-1, "");
        for (int attempt = 0; attempt < Plan.Length + 3; attempt++)
        {
            long from = LatestValidStep(killed);
            KillAt? at = attempt < Plan.Length ? Plan[attempt] : null;
            // One or two steps past the one resumed from, so the kills spread over the whole run (the last ones over its final save).
            long target = Math.Min(steps, from + 1 + random.Next(2));
            // Start-up: somewhere before the first checkpoint. Otherwise up to a step after the target's checkpoint: mid-step,
            // mid-accumulation or in the next save.
            // Within one step of the measured time: a busier or quieter machine than during the measurement must still see the
            // kill land before the run ends (a later kill would let it finish with too few kills to prove anything).
            int delayMs = at == KillAt.StartUp ? random.Next(100, (int)Math.Max(200, firstSaveMs)) : random.Next(0, Math.Max(1, stepMs));
            Func<Stopwatch, bool>? trigger = at switch
            {
                // At the latest right after the process's first new checkpoint, however fast the machine is today.
                KillAt.StartUp => clock => clock.ElapsedMilliseconds >= delayMs || CheckpointStep(Path.Combine(killed, "checkpoints", "last")) > from,
                KillAt.MidStep => StepThenDelay(killed, target, delayMs),
                KillAt.MidSave => clock => Math.Max(0, CheckpointStep(Path.Combine(killed, "checkpoints", "last"))) >= target - 1 && SaveInProgress(killed),
                _ => null,
            };
            last = Run($"{arguments} --out \"{killed}\" --resume last", killed, trigger);
            var leftovers = Directory.Exists(Path.Combine(killed, "checkpoints")) ? Directory.GetDirectories(Path.Combine(killed, "checkpoints"), ".*").Length : 0;
            var line = $"attempt {attempt}: resumed from step {from}, kill {at?.ToString() ?? "none"} (target step {target}, delay {delayMs} ms) -> " +
                $"exit {last.Exit}, newest valid checkpoint now step {LatestValidStep(killed)}, {leftovers} unfinished save folder(s)" +
                (ResumeLine(last.Output) is { } resumed ? $"; printed: {resumed}" : "");
            history.Add(line);
            log.WriteLine(line);
            if (last.Exit == 0) break;
            Assert.True(last.Exit == -9, $"{line}{Environment.NewLine}{last.Output}");
        }
        log.WriteLine($"uninterrupted run {straightSeconds:F1} s (first checkpoint after {firstSaveMs} ms, {stepMs} ms a step); matrix {watch.Elapsed.TotalSeconds:F1} s in all");
        var story = string.Join(Environment.NewLine, history);
        Assert.True(last.Exit == 0, $"{story}{Environment.NewLine}{last.Output}");
        Assert.True(history.Count > 5, $"the run finished after only {history.Count - 1} kills:{Environment.NewLine}{story}");

        var problems = Differences(straight, killed);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, [.. problems, story]));
    }

    // Found by the matrix above: the epoch-end flush of a fine-tuning epoch that ends at step 5 (not a flush step) writes
    // train/loss, train/loss_epoch, grad_norm; resumed from step 4's checkpoint it wrote train/loss_epoch first.
    [Fact]
    public void Fine_tuning_resumed_right_after_a_log_flush_writes_the_epoch_end_records_in_the_order_of_an_uninterrupted_run()
    {
        using var folder = TestPaths.NewTempFolder();
        var arguments = Arguments("finetune", folder);
        var straight = folder.File("straight");
        var uninterrupted = Run($"{arguments} --out \"{straight}\"", run: null, kill: null);
        Assert.True(uninterrupted.Exit == 0, uninterrupted.Output);

        // Step 4 is a flush step (log-every 2) inside the first epoch (5 steps): its checkpoint holds a pending train/loss_epoch
        // window and nothing else. Killed the moment that checkpoint is in place; a kill that lands a step later is retried.
        string killed = "";
        for (int attempt = 0; attempt < 3 && (killed == "" || LatestValidStep(killed) != 4); attempt++)
        {
            killed = folder.File($"killed-{attempt}");
            var k = killed;
            Run($"{arguments} --out \"{k}\" --resume last", k, _ => CheckpointStep(Path.Combine(k, "checkpoints", "last")) >= 4);
        }
        Assert.Equal(4, LatestValidStep(killed));
        var resumed = Run($"{arguments} --out \"{killed}\" --resume last", killed, kill: null);
        Assert.True(resumed.Exit == 0, resumed.Output);
        Assert.Contains("Resuming from", resumed.Output);

        var problems = Differences(straight, killed);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>Everything in which the killed run's weights and logs differ from the uninterrupted run's (empty when none).</summary>
    static List<string> Differences(string straight, string killed)
    {
        var problems = new List<string>();
        if (Sha(straight) != Sha(killed)) problems.Add("checkpoints/last/model.safetensors differs (SHA-256).");
        problems.AddRange(Duplicates(CsvRows(Path.Combine(straight, "metrics.csv")), "the uninterrupted run"));
        problems.AddRange(Duplicates(CsvRows(Path.Combine(killed, "metrics.csv")), "the killed and resumed run"));
        problems.AddRange(Mismatch(Comparable(CsvRows(Path.Combine(straight, "metrics.csv"))), Comparable(CsvRows(Path.Combine(killed, "metrics.csv"))), "metrics.csv"));
        problems.AddRange(Mismatch(JsonlRecords(Path.Combine(straight, "metrics.jsonl")), JsonlRecords(Path.Combine(killed, "metrics.jsonl")), "metrics.jsonl"));
        return problems;
    }

    /// <summary>The command line of a configuration, everything but --out and --resume; prepares its data in <paramref name="folder"/>.</summary>
    static string Arguments(string configuration, TempFolder folder)
    {
        var corpus = folder.File("corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.Data("tinyshakespeare", "input.txt"))[..2400]);
        const string common = "--trainer.accumulate 3 --checkpoint.every-steps 1 --trainer.progress false --trainer.log-every 2 --trainer.max-epochs 2 --seed 1";
        if (configuration != "finetune")
            return $"pretrain --data \"{corpus}\" --objective {configuration} --model.preset nano --tokenizer char --data.batch-size 4 --trainer.val-every 4 {common}";

        // Fine-tuning starts from a tiny pretraining run (a char tokenizer keeps the model small) and validates each epoch.
        var parent = folder.File("parent");
        var pretrain = Run($"pretrain --data \"{corpus}\" --out \"{parent}\" --model.preset nano --tokenizer char --trainer.max-steps 2 --trainer.progress false --seed 1", null, null);
        Assert.True(pretrain.Exit == 0, pretrain.Output);
        var reviews = folder.File("reviews.tsv");
        var pos = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.pos")).Take(40).Select(l => $"{l.Replace('\t', ' ')}\tpos");
        var neg = File.ReadLines(TestPaths.Data("rt-polarity", "rt-polarity.neg")).Take(40).Select(l => $"{l.Replace('\t', ' ')}\tneg");
        File.WriteAllLines(reviews, ["text\tlabel", .. pos.Zip(neg).SelectMany(p => new[] { p.First, p.Second })]);
        return $"finetune --data \"{reviews}\" --from \"{parent}\" --data.batch-size 5 {common}";
    }

    /// <summary>Runs the CLI; when <paramref name="kill"/> (polled every 2 ms) says so, SIGKILLs it (exit -9).</summary>
    static (int Exit, string Output) Run(string arguments, string? run, Func<Stopwatch, bool>? kill)
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
                throw new TimeoutException($"flint {arguments} ran for over 2 minutes (out: {run}).");
            }
            if (kill is not null && kill(clock))
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

    /// <summary>Fires <paramref name="delayMs"/> after the run's <c>last</c> checkpoint reached <paramref name="target"/>: mid-step or mid-accumulation.</summary>
    static Func<Stopwatch, bool> StepThenDelay(string run, long target, int delayMs)
    {
        long reachedAt = -1;
        return clock =>
        {
            if (reachedAt < 0 && CheckpointStep(Path.Combine(run, "checkpoints", "last")) >= target) reachedAt = clock.ElapsedMilliseconds;
            return reachedAt >= 0 && clock.ElapsedMilliseconds - reachedAt >= delayMs;
        };
    }

    /// <summary>A save writes into <c>.tmp-*</c> and moves the previous checkpoint to <c>.old-*</c> until it is in place.</summary>
    static bool SaveInProgress(string run)
    {
        try
        {
            var checkpoints = Path.Combine(run, "checkpoints");
            return Directory.Exists(checkpoints) && Directory.GetDirectories(checkpoints, ".*").Length > 0;
        }
        catch (IOException) { return false; }
    }

    /// <summary>The step in a checkpoint's manifest, or -1 while there is none (not yet saved, or being replaced).</summary>
    static long CheckpointStep(string checkpoint)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, CheckpointManifest.FileName)))!["step"]!.GetValue<long>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NullReferenceException) { return -1; }
    }

    /// <summary>The step of the checkpoint <c>--resume last</c> picks (the same search), or 0 when it starts from scratch.</summary>
    static long LatestValidStep(string run)
    {
        var found = new CheckpointStore(Path.Combine(run, "checkpoints")).LatestValid(out _);
        return found is null ? 0 : CheckpointStep(found);
    }

    static string? ResumeLine(string output) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith("Resuming from", StringComparison.Ordinal) || l.StartsWith("No checkpoint", StringComparison.Ordinal))?.Trim();

    static string Sha(string run) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, "checkpoints", "last", "model.safetensors"))));

    sealed record CsvRow(long Step, string Name, string Line);

    /// <summary>metrics.csv's rows (<c>step,epoch,tokens,samples,wall_s,name,value</c>) with the wall_s column taken out.</summary>
    static List<CsvRow> CsvRows(string path) => File.ReadAllLines(path).Skip(1).Select(line =>
    {
        var cells = line.Split(',');
        var name = string.Join(',', cells[5..^1]); // a name may hold a (quoted) comma; the value never does
        return new CsvRow(long.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture), name, string.Join(',', [.. cells[..4], .. cells[5..]]));
    }).ToList();

    static List<string> Comparable(List<CsvRow> rows) => rows.Where(r => !WallTimeMetrics.Contains(r.Name)).Select(r => r.Line).ToList();

    /// <summary>metrics.jsonl's records without wall_s and without the wall-time metrics, as canonical JSON text.</summary>
    static List<string> JsonlRecords(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject())
        .Where(o => !WallTimeMetrics.Contains(o["name"]!.GetValue<string>()))
        .Select(o =>
        {
            o.Remove("wall_s");
            return o.ToJsonString();
        }).ToList();

    static IEnumerable<string> Duplicates(List<CsvRow> rows, string which)
    {
        var twice = rows.GroupBy(r => (r.Step, r.Name)).Where(g => g.Count() > 1).Select(g => $"step {g.Key.Step} {g.Key.Name} ×{g.Count()}").ToList();
        if (twice.Count > 0) yield return $"metrics.csv of {which} logs the same (step, name) more than once: {string.Join(", ", twice)}.";
    }

    /// <summary>Nothing when equal line by line; otherwise where they part and which records each side has that the other lacks.</summary>
    static IEnumerable<string> Mismatch(List<string> expected, List<string> actual, string file)
    {
        if (expected.SequenceEqual(actual)) yield break;
        int shorter = Math.Min(expected.Count, actual.Count);
        int first = Enumerable.Range(0, shorter).FirstOrDefault(i => expected[i] != actual[i], shorter);
        var missing = expected.Except(actual).Take(10).ToList();
        var extra = actual.Except(expected).Take(10).ToList();
        yield return new StringBuilder($"{file} differs from the uninterrupted run's ({expected.Count} records there, {actual.Count} here), first at record {first}:")
            .AppendLine().AppendLine($"  uninterrupted: {(first < expected.Count ? expected[first] : "(end)")}")
            .AppendLine($"  killed:        {(first < actual.Count ? actual[first] : "(end)")}")
            .AppendLine($"  only in the uninterrupted run: {(missing.Count == 0 ? "none" : string.Join(" | ", missing))}")
            .Append($"  only in the killed run: {(extra.Count == 0 ? "none" : string.Join(" | ", extra))}").ToString();
    }
}
