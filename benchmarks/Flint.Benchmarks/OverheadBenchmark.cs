using System.Diagnostics;
using Flint.Logging;
using Flint.Models;
using Flint.Optim;
using Flint.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// The Trainer against a hand-written TorchSharp loop on the same GPT-like model, same data, same seed, in one process.
/// The two are interleaved step by step, so machine
/// noise hits both alike. The raw step runs inside the Trainer's BatchStarted handler, between the Trainer's steps.
/// </summary>
internal sealed class OverheadBenchmark : IBenchmark
{
    const int Vocab = 256, Batch = 16, Context = 128, Warmup = 5;
    const double Lr = 3e-4, WeightDecay = 0.1;

    public string Name => "overhead";
    public string Description => "Trainer vs a hand-written loop (4 layers, width 256, context 128, batch 16): median step-time ratio and bit-identity.";

    public int Run(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 60;
        var config = GptConfig.Small(Vocab);
        manual_seed(1234);
        var data = Enumerable.Range(0, 8).Select(_ => randint(0, Vocab, [Batch, Context + 1])).Select(b => (X: b[.., ..^1].contiguous(), Y: b[.., 1..].contiguous())).ToList();

        manual_seed(0);
        var trained = new LmModule(new Gpt(config));
        manual_seed(0);
        var raw = new Gpt(config);
        // The optimizer the Trainer's AdamW builds (multi-tensor), so the ratio measures the loop, not the optimizer.
        var rawOptimizer = new Flint.Optim.MultiTensor.AdamW(
            [
                new AdamW.ParamGroup(raw.named_parameters().Where(p => p.parameter.dim() >= 2 && !p.name.Contains("wte") && !p.name.Contains("wpe")).Select(p => p.parameter), Lr, 0.9, 0.999, 1e-8, WeightDecay),
                new AdamW.ParamGroup(raw.named_parameters().Where(p => p.parameter.dim() < 2 || p.name.Contains("wte") || p.name.Contains("wpe")).Select(p => p.parameter), Lr, 0.9, 0.999, 1e-8, 0.0),
            ], Lr, 0.9, 0.999, 1e-8);

        var rawTimes = new List<double>();
        int rawStep = 0;
        void RawStep()
        {
            var (x, y) = data[rawStep++ % data.Count];
            var start = Stopwatch.GetTimestamp();
            using (NewDisposeScope())
            {
                var logits = raw.call(x);
                var lossSum = nn.functional.cross_entropy(logits.view(-1, Vocab), y.view(-1), reduction: nn.Reduction.Sum);
                var loss = lossSum / tensor((double)y.numel(), dtype: lossSum.dtype);
                loss.backward();
                rawOptimizer.step();
                rawOptimizer.zero_grad();
            }
            rawTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var csv = Path.Combine(Path.GetTempPath(), $"flint-overhead-{Environment.ProcessId}.csv");
        using var trainer = new Trainer(new TrainerOptions { MaxSteps = steps + Warmup, LogEveryNSteps = 10, ProgressBar = true, SanityValidationBatches = 0 },
            sinks: [new CsvSink(csv)]);
        // At BatchStarted no step scope is open, so the raw step runs with none of the Trainer's tensors alive (and vice versa).
        // Trainer step k = from the end of raw step k (inside BatchStarted k) to the next BatchStarted (or FitEnded).
        var arrivals = new List<long>();
        var departures = new List<long>();
        trainer.Events.BatchStarted.Subscribe((_, _) => { arrivals.Add(Stopwatch.GetTimestamp()); RawStep(); departures.Add(Stopwatch.GetTimestamp()); },
            order: int.MinValue, name: "raw loop step");
        trainer.Events.FitEnded.Subscribe((_, _) => arrivals.Add(Stopwatch.GetTimestamp()), order: int.MinValue, name: "timing");
        trainer.Fit(trained, Cycle(data, steps + Warmup));
        File.Delete(csv);

        var trainerTimes = new List<double>();
        for (int i = 0; i < departures.Count; i++)
            trainerTimes.Add(Stopwatch.GetElapsedTime(departures[i], arrivals[i + 1]).TotalMilliseconds);
        double trainerMedian = Median(trainerTimes.Skip(Warmup)), rawMedian = Median(rawTimes.Skip(Warmup));
        bool identical = trained.Model.named_parameters().Zip(raw.named_parameters())
            .All(p => p.First.name == p.Second.name && p.First.parameter.bytes.SequenceEqual(p.Second.parameter.bytes));

        Console.WriteLine($"params={config.ParameterCount:N0} steps={steps} (after {Warmup} warm-up) threads={get_num_threads()}");
        // Pairs are adjacent in time, so their ratio cancels slow drift in machine speed; shown as a cross-check.
        double pairedMedian = Median(trainerTimes.Zip(rawTimes).Skip(Warmup).Select(p => p.First / p.Second));
        Console.WriteLine($"trainer median step {trainerMedian:F2} ms, raw median step {rawMedian:F2} ms, median of paired ratios {pairedMedian:F4}");
        Console.WriteLine($"overhead_ratio={trainerMedian / rawMedian:F4} identical={identical.ToString().ToLowerInvariant()}");
        return identical ? 0 : 1;
    }

    static IEnumerable<(Tensor X, Tensor Y)> Cycle(List<(Tensor X, Tensor Y)> data, int count)
    {
        for (int i = 0; i < count; i++) yield return data[i % data.Count];
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Next-token loss summed over tokens, with the same AdamW groups as the raw loop and a constant LR.</summary>
    sealed class LmModule : FlintModule<(Tensor X, Tensor Y)>
    {
        readonly Gpt model;

        public LmModule(Gpt model) : base("lm")
        {
            this.model = model;
            RegisterComponents();
        }

        public Gpt Model => model;

        public override StepOutput TrainingStep((Tensor X, Tensor Y) batch, LoopContext ctx)
        {
            var logits = model.call(batch.X);
            var lossSum = nn.functional.cross_entropy(logits.view(-1, Vocab), batch.Y.view(-1), reduction: nn.Reduction.Sum);
            return StepOutput.Sum(lossSum, batch.Y.numel(), batch.X.shape[0], batch.X.numel());
        }

        public override OptimizerSetup ConfigureOptimizers(OptimizerPlan plan) =>
            Optimizers.AdamW(ParameterGroups.WithWeightDecay(model, WeightDecay), lr: Lr);

        public override double? FlopsPerToken => model.Config.FlopsPerToken;
    }
}
