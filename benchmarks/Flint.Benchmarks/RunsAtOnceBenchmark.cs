using System.Diagnostics;
using System.Globalization;
using Flint.Finetuning;
using Flint.Models;
using Flint.Runtime;
using Flint.Text.Data;
using Flint.Text.Tokenizers;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// What <c>flint demo --parallel</c> and <c>flint sweep --parallel</c> buy: the demo's fine-tuning (the <c>mini</c> decoder,
/// a 4,096-token BPE, rt-polarity's lengths, batches of 32, bucketed) as one process with every core, against as many processes at once as
/// cores, one thread each, in the same run. Prints the steps/s of both and their ratio (total throughput).
/// </summary>
internal sealed class RunsAtOnceBenchmark : IBenchmark
{
    const int Steps = 120, Warmup = 10;

    public string Name => "at-once";
    public string Description => "Fine-tuning throughput: N processes × 1 thread at once vs 1 process × N threads (N = cores), as demo/sweep --parallel run.";

    public int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--worker") return Worker(int.Parse(args[1], CultureInfo.InvariantCulture));
        int cores = Environment.ProcessorCount;
        double one = Workers(1, cores);
        double many = Workers(cores, 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"1 process x {cores} threads: {one:F2} steps/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cores} processes x 1 thread: {many:F2} steps/s in all"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"at_once_speedup={many / one:F2} cores={cores}"));
        return 0;
    }

    /// <summary>Starts <paramref name="processes"/> workers at once; returns their steps/s added up.</summary>
    static double Workers(int processes, int threads)
    {
        var self = Environment.ProcessPath!;
        string[] command = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, typeof(RunsAtOnceBenchmark).Assembly.Location] : [self];
        var started = Enumerable.Range(0, processes).Select(_ =>
        {
            var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in command.Skip(1).Concat(["at-once", "--worker", threads.ToString(CultureInfo.InvariantCulture)])) start.ArgumentList.Add(a);
            return Process.Start(start)!;
        }).ToList();
        double total = 0;
        foreach (var process in started)
        {
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("steps_per_s=", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"a worker printed no result (exit {process.ExitCode}):\n{output}");
            total += double.Parse(line["steps_per_s=".Length..], CultureInfo.InvariantCulture);
            process.Dispose();
        }
        return total;
    }

    /// <summary>One fine-tuning of the demo's shape with <paramref name="threads"/> threads; prints its steps/s after a warm-up.</summary>
    static int Worker(int threads)
    {
        var all = LabeledData.Read(BenchmarkData.Data("rt-polarity"));
        var tokenizer = BpeTrainer.Train(all.Select(e => e.Text), 4096); // the demo's vocabulary size (its BPE is trained on the corpus)
        var labels = new LabelMap(all.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal));
        var loader = new ClassificationLoader(all, tokenizer, labels, new ClassificationLoaderOptions(32, 64, Seed: 0, BucketByLength: true));
        var batches = loader.Batches(0).Take(Warmup + Steps).ToList();
        manual_seed(0);
        var model = new SequenceClassifier(new Gpt(ModelPresets.Get("mini").ToGpt(tokenizer.VocabSize, dropout: 0.1)), new ClassifierOptions(labels.Count, Pooling.Mean));
        long startedAt = 0;
        var times = new List<double>();
        using var trainer = new Trainer(new TrainerOptions
        {
            MaxSteps = batches.Count, ProgressBar = false, LogEveryNSteps = 1000, SanityValidationBatches = 0, Runtime = new RuntimeOptions(Threads: threads),
        });
        trainer.Events.BatchStarted.Subscribe((_, _) => startedAt = Stopwatch.GetTimestamp());
        trainer.Events.BatchEnded.Subscribe((_, _) => times.Add(Stopwatch.GetElapsedTime(startedAt).TotalSeconds));
        trainer.Fit(model, batches);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps_per_s={Steps / times.Skip(Warmup).Sum():F3}"));
        return 0;
    }
}
