using Flint.Config;
using Flint.Workflow.Specs;

namespace Samples.NewObjective;

/// <summary>The experiment's settings: the standard run, trainer and checkpoint sections, plus the objective's own.</summary>
public sealed record ShuffledSpanSettings : ExperimentSpec
{
    /// <summary>Tokens per window.</summary>
    [Setting("Tokens per window.", Min = 8)] public int Context { get; init; } = 16;
    /// <summary>Windows per batch.</summary>
    [Setting("Windows per batch.", Min = 1)] public int BatchSize { get; init; } = 16;
    /// <summary>Length of the shuffled span.</summary>
    [Setting("Length of the shuffled span.", Min = 2)] public int SpanLength { get; init; } = 8;
    /// <summary>Probability that a window has a span shuffled.</summary>
    [Setting("Probability that a window has a span shuffled.", Min = 0, Max = 1)] public double ShuffleProbability { get; init; } = 0.5;
    /// <summary>Weight of the detection loss in the objective.</summary>
    [Setting("Weight of the detection loss in the objective.", Min = 0)] public double DetectWeight { get; init; } = 1.0;
}
