using Flint.Benchmarks;

IBenchmark[] benchmarks =
[
    new GemmBenchmark(), new OverheadBenchmark(), new TokenizeBenchmark(), new LoaderBenchmark(), new ThroughputBenchmark(), new DataParallelBenchmark(),
    new ScalingBenchmark(), new ScalingPointBenchmark(), new GenerationBenchmark(), new ClassifierBenchmark(), new RunsAtOnceBenchmark(),
];

var name = args.FirstOrDefault();
var chosen = benchmarks.FirstOrDefault(b => b.Name == name);
if (chosen is null)
{
    Console.Error.WriteLine(name is null ? "Name a benchmark:" : $"Unknown benchmark '{name}'. Known benchmarks:");
    foreach (var b in benchmarks) Console.Error.WriteLine($"  {b.Name,-10} {b.Description}");
    return 2;
}
// libtorch loads on first use: the tokenizer benchmark never touches it, so its memory figures are the tokenizer's own.
return chosen.Run(args[1..]);
