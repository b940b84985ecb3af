using Flint.Config;

namespace Flint.Workflow.Specs;

/// <summary>
/// The settings of your own experiment: derive a record from it and add your settings as properties with
/// <see cref="SettingAttribute"/> (or sections of them with <see cref="SectionAttribute"/>). <c>ExperimentRun.Open</c>
/// validates and writes them as the run's <c>config.yaml</c>, in the format every Flint run uses, so <c>flint runs</c>,
/// <c>flint runs compare</c>, reports and the dashboard show them like a command's settings.
/// </summary>
public record ExperimentSpec : RunSpec
{
    /// <summary>Budgets, accumulation, clipping, logging and validation cadence.</summary>
    [Section] public TrainerSpec Trainer { get; init; } = new();
    /// <summary>How often <c>last</c> is saved and how many best checkpoints are kept.</summary>
    [Section] public CheckpointSpec Checkpoint { get; init; } = new();
}
