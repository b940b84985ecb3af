using Flint.Checkpoints;
using Flint.Logging;
using Flint.Optim;
using TorchSharp;

namespace Flint.Training;

/// <summary>What a step and every handler see: the state (read-only), the control (requests), the log, and the device.</summary>
public sealed class LoopContext
{
    internal LoopContext(TrainerState state, TrainerControl control, MetricLog log, torch.Device device)
    {
        State = state;
        Control = control;
        Log = log;
        Device = device;
    }

    /// <summary>Where the loop is.</summary>
    public TrainerState State { get; }
    /// <summary>Requests to the loop.</summary>
    public TrainerControl Control { get; }
    /// <summary>The metric log (the one logging API).</summary>
    public MetricLog Log { get; }
    /// <summary>The device the module lives on.</summary>
    public torch.Device Device { get; }
    /// <summary>The optimizer, once configured (null during evaluation-only runs).</summary>
    public OptimizerSetup? Optimizer { get; internal set; }
    /// <summary>The module being trained or evaluated.</summary>
    public torch.nn.Module? Module { get; internal set; }
    /// <summary>
    /// The checkpoints folder of the running fit (null when checkpoints are off, in fast-dev-run and outside a fit): read it
    /// to see what was saved; ask for saves through <see cref="TrainerControl.RequestCheckpoint(string, double?)"/>.
    /// </summary>
    public CheckpointStore? Checkpoints { get; internal set; }

    internal LogPosition Position => new(State.Step, State.Epoch, State.TokensSeen, State.SamplesSeen, State.Elapsed.TotalSeconds);
}
