using System.Diagnostics;
using System.Globalization;
using Flint.Models;
using Flint.Objectives;
using Flint.Text.Data;
using Flint.Training;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>One model shape to train for a few steps: a GPT (causal LM) or a BERT (masked LM, gathered or full-vocabulary head).</summary>
internal sealed record ScalingSpec(string Arch, int Width, int Layers, int Context, int Vocab, int Batch, bool FullLogits = false, int Steps = 3)
{
    public int Heads => Math.Max(1, Width / 64);

    public string Label => $"{Arch} w{Width} L{Layers} T{Context} V{Vocab}{(FullLogits ? " full-logits" : "")}";

    /// <summary>Matmul FLOPs per trained token: 6 per weight a token passes through, plus attention's 12·L·W·T. The masked LM's
    /// vocabulary projection runs on the selected 15 % only (gathered), or on every position with the full-logits head.</summary>
    public double FlopsPerToken
    {
        get
        {
            long body = Layers * (12L * Width * Width);
            double head = Arch == "gpt" ? (double)Vocab * Width : (double)Vocab * Width * (FullLogits ? 1.0 : 0.15) + (double)Width * Width;
            return 6.0 * (body + head) + 12.0 * Layers * Width * Context;
        }
    }

    public string[] ToArgs() => [Arch, .. new[] { Width, Layers, Context, Vocab, Batch, Steps }.Select(v => v.ToString(CultureInfo.InvariantCulture)), FullLogits ? "full" : "gathered"];

    public static ScalingSpec Parse(string[] a)
    {
        int I(int i) => int.Parse(a[i], CultureInfo.InvariantCulture);
        return new ScalingSpec(a[0], I(1), I(2), I(3), I(4), I(5), a[7] == "full", I(6));
    }
}

/// <summary>The result of one point: best step time, tokens/s and the process's peak resident memory.</summary>
internal sealed record ScalingResult(ScalingSpec Spec, double StepMs, double TokensPerSecond, double PeakRssMb)
{
    public double Mfu(double peakFlops) => TokensPerSecond * Spec.FlopsPerToken / peakFlops;

    public string ToLine() => string.Create(CultureInfo.InvariantCulture, $"point step_ms={StepMs:F2} tokens_per_s={TokensPerSecond:F1} peak_rss_mb={PeakRssMb:F0}");

    public static ScalingResult Parse(ScalingSpec spec, string line)
    {
        var values = line.Split(' ').Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        return new ScalingResult(spec, values["step_ms"], values["tokens_per_s"], values["peak_rss_mb"]);
    }
}

/// <summary>
/// Trains one <see cref="ScalingSpec"/> through the Trainer in this process (one warm-up step, then the best of the
/// measured ones). The scaling benchmark runs each point in its own process, so each peak RSS is that point's own.
/// </summary>
internal sealed class ScalingPointBenchmark : IBenchmark
{
    public string Name => "scaling-point";
    public string Description => "(used by scaling) one training shape in this process: arch width layers context vocab batch steps gathered|full.";

    public int Run(string[] args)
    {
        Console.WriteLine(Measure(ScalingSpec.Parse(args)).ToLine());
        return 0;
    }

    public static ScalingResult Measure(ScalingSpec s)
    {
        manual_seed(0);
        var data = Enumerable.Range(0, 2).Select(_ => randint(4, s.Vocab, [s.Batch, s.Context + 1]))
            .Select(x => new LmBatch(x[.., ..^1].contiguous(), x[.., 1..].contiguous())).ToList();
        FlintModule<LmBatch> objective = s.Arch == "gpt"
            ? new CausalLmObjective(new Gpt(new GptConfig(s.Vocab, s.Context, s.Layers, s.Heads, s.Width)))
            : new MaskedLmObjective(new Bert(new BertConfig(s.Vocab, s.Context, s.Layers, s.Heads, s.Width, 4 * s.Width, Dropout: 0)),
                new MlmMasking(3, s.Vocab, [0, 1, 2]), s.FullLogits);
        const int warmup = 1;
        var times = new List<double>();
        long started = 0;
        using (var trainer = new Trainer(new TrainerOptions { MaxSteps = warmup + s.Steps, ProgressBar = false, LogEveryNSteps = 1000, SanityValidationBatches = 0 }))
        {
            trainer.Events.BatchStarted.Subscribe((_, _) => started = Stopwatch.GetTimestamp());
            trainer.Events.BatchEnded.Subscribe((_, _) => times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            trainer.Fit(objective, Enumerable.Range(0, warmup + s.Steps).Select(i => data[i % data.Count]).ToList());
        }
        // Best of the measured steps, like the GEMM peak it is divided by: on a shared machine noise only slows a step.
        double best = times.Skip(warmup).Min();
        return new ScalingResult(s, best, s.Batch * (double)s.Context / (best / 1000), BenchmarkData.PeakRssMb());
    }

    /// <summary>Runs <paramref name="spec"/> in a child process of this benchmark binary and reads its result line.</summary>
    public static ScalingResult InChildProcess(ScalingSpec spec)
    {
        var self = Environment.ProcessPath!; // the apphost, or dotnet with this assembly
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(ScalingPointBenchmark).Assembly.Location);
        foreach (var a in new[] { "scaling-point" }.Concat(spec.ToArgs())) start.ArgumentList.Add(a);
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {self}");
        var errors = child.StandardError.ReadToEndAsync();
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("point ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{spec.Label}: the child printed no result (exit {child.ExitCode}):\n{output}\n{errors.Result}");
        return ScalingResult.Parse(spec, line.Trim());
    }
}
