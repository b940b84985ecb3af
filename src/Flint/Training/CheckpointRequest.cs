namespace Flint.Training;

/// <summary>A checkpoint a handler asked for through <see cref="TrainerControl.RequestCheckpoint(string, double?)"/>.</summary>
/// <param name="Name">The folder under the checkpoints directory: <c>last</c>, or e.g. <c>best-step-00000200</c>.</param>
/// <param name="Metric">The monitored value recorded in the checkpoint (<c>trainer.json</c>'s <c>metric</c>), for top-k bookkeeping.</param>
public readonly record struct CheckpointRequest(string Name, double? Metric)
{
    /// <summary>The checkpoint a resume looks for first; the loop always writes it last.</summary>
    public const string Last = "last";
}
