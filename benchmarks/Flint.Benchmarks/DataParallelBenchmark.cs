using System.Diagnostics;
using System.Globalization;
using Flint.Models;
using Flint.Objectives;
using Flint.Runtime;
using Flint.Runtime.Distributed;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// Data-parallel scaling on Open MPI: preset <c>small</c>, one thread per process, the same batch per rank, trained by one
/// process and then by two (<c>mpirun -np 2</c>) in the same run. Prints the speed-up in tokens/s, the median time of an
/// all-reduce of every gradient, and whether the ranks ended with bit-identical weights.
/// </summary>
internal sealed class DataParallelBenchmark : IBenchmark
{
    const int Batch = 8, Warmup = 3, Steps = 15, Vocab = 4096;

    public string Name => "dp";
    public string Description => "Data parallelism: tokens/s of 2 ranks (mpirun) over 1, all-reduce time, identical weights across ranks.";

    public int Run(string[] args)
    {
        if (args.Contains("--worker")) return Worker();
        var one = Measure(DistributedEnvironment.Current);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"1 rank x 1 thread: {one.TokensPerSecond:F0} tokens/s (median step {one.StepMs:F1} ms)"));
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, UseShellExecute = false };
        if (Environment.UserName == "root") start.ArgumentList.Add("--allow-run-as-root");
        var self = Environment.ProcessPath!; // the apphost, or dotnet with this assembly
        string[] command = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, typeof(DataParallelBenchmark).Assembly.Location] : [self];
        foreach (var a in new[] { "-np", "2" }.Concat(command).Concat(["dp", "--worker"])) start.ArgumentList.Add(a);
        using var mpirun = Process.Start(start) ?? throw new InvalidOperationException("mpirun could not start; install openmpi-bin.");
        var output = mpirun.StandardOutput.ReadToEnd();
        mpirun.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.Contains("worker tokens_per_s=", StringComparison.Ordinal)) // after any terminal escapes
            ?? throw new InvalidOperationException($"the 2-rank run printed no result (exit {mpirun.ExitCode}):\n{output}");
        line = line[(line.IndexOf("worker ", StringComparison.Ordinal) + "worker ".Length)..].Trim();
        var values = line.Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        double two = double.Parse(values["tokens_per_s"], CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"2 ranks x 1 thread: {two:F0} tokens/s (median step {values["step_ms"]} ms, all-reduce {values["allreduce_ms"]} ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dp_speedup={two / one.TokensPerSecond:F2} allreduce_ms={values["allreduce_ms"]} identical={values["identical"]}"));
        return 0;
    }

    static int Worker()
    {
        var world = DistributedEnvironment.Current;
        var result = Measure(world);
        if (world.IsLeader)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"worker tokens_per_s={result.TokensPerSecond:F0} step_ms={result.StepMs:F1} allreduce_ms={result.AllReduceMs:F2} identical={result.Identical.ToString().ToLowerInvariant()}"));
        return 0;
    }

    static (double TokensPerSecond, double StepMs, double AllReduceMs, bool Identical) Measure(IDistributedContext world)
    {
        var preset = ModelPresets.Get("small");
        manual_seed(0);
        var objective = new CausalLmObjective(new Gpt(preset.ToGpt(Vocab)));
        // Each rank its own batches (a different seed), as a sharded loader would give.
        manual_seed(100 + world.Rank);
        var data = Enumerable.Range(0, 4).Select(_ => randint(0, Vocab, [Batch, preset.Context + 1])).Select(x => new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous())).ToList();
        var times = new List<double>();
        long started = 0;
        var runtime = new RuntimeOptions(Threads: 1, Distributed: world.WorldSize > 1 ? world : null);
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = Warmup + Steps, ProgressBar = false, LogEveryNSteps = 50, SanityValidationBatches = 0, Runtime = runtime });
        trainer.Events.BatchStarted.Subscribe((_, _) => started = Stopwatch.GetTimestamp());
        trainer.Events.BatchEnded.Subscribe((_, _) => times.Add(Stopwatch.GetElapsedTime(started).TotalSeconds));
        trainer.Fit(objective, Enumerable.Range(0, Warmup + Steps).Select(i => data[i % data.Count]).ToList());
        double step = times.Skip(Warmup).Order().ElementAt(Steps / 2);
        double tokens = world.WorldSize * Batch * preset.Context / step;

        // What the gradient all-reduce costs on its own: every parameter's size, as in a step.
        var grads = objective.parameters().Select(p => zeros_like(p)).ToList();
        var reduce = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            world.Barrier();
            var watch = Stopwatch.StartNew();
            world.AllReduceSum(grads);
            reduce.Add(watch.Elapsed.TotalMilliseconds);
        }
        bool identical = world.SameOnEveryRank(objective.parameters().SelectMany(p => p.bytes.ToArray()).ToArray()); // bit-identical weights on every rank
        return (tokens, step * 1000, reduce.Order().ElementAt(3), identical);
    }
}
