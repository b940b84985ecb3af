using System.Globalization;
using System.Text;
using Flint.Runtime;
using static TorchSharp.torch;

namespace Flint.Benchmarks;

/// <summary>
/// Cost curves: training tokens/s, MFU and peak RSS of GPT (causal LM) and BERT (masked LM) as width, depth, context and
/// vocabulary grow one at a time from a base shape, each point in its own process; the fitted exponent of time per
/// sequence against context; the masked LM's gathered head against the full-vocabulary one at bert-base's vocabulary;
/// and KV-cache generation. Writes a markdown table and an SVG plot under benchmarks/results/.
/// </summary>
internal sealed class ScalingBenchmark : IBenchmark
{
    const int TokensPerStep = 2048;

    public string Name => "scaling";
    public string Description => "Cost curves over width, depth, context and vocabulary (GPT, BERT); MLM head and KV-cache ratios; table + SVG.";

    static ScalingSpec Gpt(int width = 256, int layers = 4, int context = 128, int vocab = 4096) =>
        new("gpt", width, layers, context, vocab, Math.Max(1, TokensPerStep / context));

    static ScalingSpec Bert(int width = 256, int layers = 4, int context = 128, int vocab = 30522) =>
        new("bert", width, layers, context, vocab, Math.Max(1, TokensPerStep / context));

    /// <summary>The grid: each axis varied alone around the base shape (width 256, 4 layers, context 128).</summary>
    internal static IReadOnlyList<(string Axis, ScalingSpec Spec)> Grid { get; } =
    [
        .. new[] { 128, 256, 512, 768 }.Select(w => ("width", Gpt(width: w))),
        .. new[] { 2, 4, 8 }.Select(l => ("depth", Gpt(layers: l))),
        .. new[] { 64, 128, 256, 512, 1024 }.Select(t => ("context", Gpt(context: t))),
        .. new[] { 65, 4096, 16384, 50257 }.Select(v => ("vocab", Gpt(vocab: v))),
        .. new[] { 128, 256, 512, 768 }.Select(w => ("width", Bert(width: w))),
        .. new[] { 2, 4, 8 }.Select(l => ("depth", Bert(layers: l))),
        .. new[] { 128, 512 }.Select(t => ("context", Bert(context: t))),
        .. new[] { 8192, 30522 }.Select(v => ("vocab", Bert(vocab: v))),
    ];

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick"); // the GPT context axis and the ratios only
        var peak = new[] { 512, 1024, 2048 }.Max(n => GemmProbe.Measure(n, n >= 2048 ? 4 : 8).GFlops) * 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fp32 GEMM peak {peak / 1e9:F1} GFLOP/s, {get_num_threads()} threads; {TokensPerStep} tokens per step; each point in its own process"));
        var results = new List<(string Axis, ScalingResult Result)>();
        var seen = new Dictionary<ScalingSpec, ScalingResult>();
        foreach (var (axis, spec) in Grid.Where(g => !quick || (g.Spec.Arch == "gpt" && g.Axis == "context")))
        {
            if (!seen.TryGetValue(spec, out var result)) seen[spec] = result = ScalingPointBenchmark.InChildProcess(spec);
            results.Add((axis, result));
            Console.WriteLine(Row(axis, result, peak));
        }
        double exponent = ContextExponent(results.Where(r => r.Axis == "context" && r.Result.Spec.Arch == "gpt").Select(r => r.Result).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GPT time per sequence ~ context^{exponent:F2} (1 = linear, MLP-bound; 2 = quadratic, attention-bound)"));

        // The masked LM's head at bert-base's vocabulary, batch 16 x 512: full-vocabulary logits (before) vs gathered (after).
        var before = ScalingPointBenchmark.InChildProcess(new ScalingSpec("bert", 256, 4, 512, 30522, 16, FullLogits: true, Steps: 2));
        var after = ScalingPointBenchmark.InChildProcess(new ScalingSpec("bert", 256, 4, 512, 30522, 16, FullLogits: false, Steps: 2));
        foreach (var (name, r) in new[] { ("full-vocabulary logits (before)", before), ("gathered selected positions (after)", after) })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MLM bert-base vocabulary, batch 16 x 512, {name}: mlm_peak_rss_mb={r.PeakRssMb:F0} mlm_step_ms={r.StepMs:F0}"));

        var speedups = GenerationBenchmark.Measure(Console.WriteLine);
        var folder = Path.Combine(BenchmarkData.RepoRoot, "benchmarks", "results");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "scaling.md"), Table(results, peak, exponent));
        File.WriteAllText(Path.Combine(folder, "scaling.svg"), ScalingPlot.Svg(results.Select(r => (r.Axis, r.Result)).ToList(), peak));
        Console.WriteLine($"wrote {Path.Combine(folder, "scaling.md")} and scaling.svg");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mlm_peak_rss_ratio={after.PeakRssMb / before.PeakRssMb:F3} mlm_step_ratio={after.StepMs / before.StepMs:F3} kv_cache_speedup={speedups[512]:F1} context_exponent={exponent:F2} peak_gflops={peak / 1e9:F1}"));
        return 0;
    }

    static string Row(string axis, ScalingResult r, double peak) => string.Create(CultureInfo.InvariantCulture,
        $"{axis,-8} {r.Spec.Label,-32} batch {r.Spec.Batch,3}: {r.TokensPerSecond,8:F0} tokens/s  step {r.StepMs,8:F1} ms  MFU {r.Mfu(peak):F2}  peak RSS {r.PeakRssMb,6:F0} MB");

    /// <summary>Least-squares slope of log(time per sequence) on log(context), at a fixed number of tokens per step.</summary>
    internal static double ContextExponent(IReadOnlyList<ScalingResult> points)
    {
        if (points.Count < 2) return double.NaN;
        var xs = points.Select(p => Math.Log(p.Spec.Context)).ToArray();
        var ys = points.Select(p => Math.Log(p.StepMs / p.Spec.Batch)).ToArray();
        double mx = xs.Average(), my = ys.Average();
        return xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
    }

    static string Table(List<(string Axis, ScalingResult Result)> results, double peak, double exponent)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"fp32 GEMM peak of this run: {peak / 1e9:F1} GFLOP/s ({get_num_threads()} threads). {TokensPerStep} tokens per step (batch = {TokensPerStep} / context); heads = width / 64; feed-forward 4 x width.");
        s.AppendLine();
        s.AppendLine("| model | axis | width | layers | context | vocab | batch | tokens/s | step ms | MFU | peak RSS MB |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (axis, r) in results)
        {
            var p = r.Spec;
            s.AppendLine(CultureInfo.InvariantCulture,
                $"| {(p.Arch == "gpt" ? "GPT (CLM)" : "BERT (MLM)")} | {axis} | {p.Width} | {p.Layers} | {p.Context} | {p.Vocab:N0} | {p.Batch} | {r.TokensPerSecond:F0} | {r.StepMs:F0} | {r.Mfu(peak):F2} | {r.PeakRssMb:F0} |");
        }
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"GPT time per sequence grows as context^{exponent:F2} over contexts 64 to 1,024.");
        return s.ToString();
    }
}
