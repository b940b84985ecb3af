using Flint.Config;

namespace Flint.Workflow.Specs;

/// <summary><c>checkpoint.*</c>: how often <c>last</c> is saved and how many best checkpoints are kept.</summary>
public sealed record CheckpointSpec
{
    /// <summary>Save <c>checkpoints/last</c> every N steps.</summary>
    [Setting("Save checkpoints/last every N steps.", Min = 1)] public long EverySteps { get; init; } = 100;
    /// <summary>Keep the best K checkpoints by the validation metric.</summary>
    [Setting("Keep the best K checkpoints by the validation metric.", Min = 1)] public int TopK { get; init; } = 1;
}
