using Flint.Config;

namespace Flint.Workflow.Specs;

/// <summary><c>flint demo</c>.</summary>
public sealed record DemoSpec
{
    /// <summary>Runs root.</summary>
    [Setting("Runs root for the demo's three runs.")] public string Out { get; init; } = "runs";
    /// <summary>Time budget.</summary>
    [Setting("Time budget: pretraining gets 40%; the two fine-tuning runs get round(2 × minutes / 7) epochs each.", Min = 1)] public double Minutes { get; init; } = 7;
    /// <summary>Seed.</summary>
    [Setting("Seed.")] public long Seed { get; init; }
    /// <summary>Where to compute.</summary>
    [Setting("cpu, cuda, cuda:N or auto.", Choices = ["cpu", "cuda", "auto", "cuda:"])] public string Device { get; init; } = "cpu";
    /// <summary>Show progress.</summary>
    [Setting("Show progress.")] public bool Progress { get; init; } = true;
}
