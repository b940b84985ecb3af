using Flint.Config;
using Flint.Training;

namespace Flint.Checkpoints;

/// <summary>
/// Where the Trainer writes checkpoints and what must match on resume; <see cref="EveryNSteps"/>, <see cref="Monitor"/>,
/// <see cref="Mode"/>, <see cref="TopK"/> and <see cref="SaveOnInterrupt"/> are a shorthand for the policy of the
/// <see cref="Training.Callbacks.ModelCheckpoint"/> the Trainer attaches when none is given (give one to set them there
/// instead; setting both is an error). Whatever the policy, the Trainer writes <c>last</c> at the end of a fit (marked
/// completed) and after an interrupt. Every save is a point an uninterrupted run passes through (between optimizer steps,
/// with finite loss and weights); an exception saves nothing, because the failed step has already moved the data position,
/// the random generators and the logged windows. Resume from the newest periodic checkpoint instead.
/// </summary>
/// <param name="Directory">The checkpoints folder (e.g. <c>runs/NAME/checkpoints</c>).</param>
/// <param name="EveryNSteps">Policy shorthand: save <c>last</c> every N optimizer steps (null: not by steps).</param>
/// <param name="Monitor">Policy shorthand: after each validation, keep the best <paramref name="TopK"/> checkpoints by this metric (null: none).</param>
/// <param name="Mode">Policy shorthand: whether lower or higher <paramref name="Monitor"/> is better.</param>
/// <param name="TopK">Policy shorthand: how many best checkpoints to keep.</param>
/// <param name="SaveOnInterrupt">Policy shorthand: on SIGINT/SIGTERM (Ctrl-C), finish the step, save <c>last</c>, stop cleanly.</param>
/// <param name="Exactness">Settings that must not change across a resume (batch size, model shape, …), recorded in every checkpoint.</param>
/// <param name="AfterFileWritten">Called after each file of a checkpoint is written (tests use it to widen the window of a kill during a save).</param>
public sealed record CheckpointOptions(
    string Directory, long? EveryNSteps = null, string? Monitor = null, MonitorMode Mode = MonitorMode.Min, int TopK = 1,
    bool SaveOnInterrupt = true, IReadOnlyDictionary<string, string>? Exactness = null,
    Action<string>? AfterFileWritten = null)
{
    /// <summary>Throws <see cref="ConfigException"/> naming every invalid field.</summary>
    public void Validate() => new Validation("checkpoint")
        .Check(string.IsNullOrWhiteSpace(Directory), nameof(Directory), "is required.")
        .AtLeast(EveryNSteps, 1, nameof(EveryNSteps))
        .Check(TopK < 1, nameof(TopK), $"must be at least 1, got {TopK}.")
        .ThrowIfInvalid();

    /// <summary>True when a policy field differs from its default, i.e. these options describe a <c>ModelCheckpoint</c>.</summary>
    internal bool SetsPolicy => EveryNSteps is not null || Monitor is not null || Mode != MonitorMode.Min || TopK != 1 || !SaveOnInterrupt;
}
