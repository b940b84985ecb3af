namespace Flint.Benchmarks;

/// <summary>A benchmark: prints what it measured, ending with one line of <c>key=value</c> pairs.</summary>
internal interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    int Run(string[] args);
}
