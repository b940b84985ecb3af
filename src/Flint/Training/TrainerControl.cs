namespace Flint.Training;

/// <summary>
/// How handlers and modules ask the loop to do something (HF's TrainerControl): they request, the loop decides when.
/// A request made during a step takes effect after that step.
/// </summary>
public sealed class TrainerControl
{
    /// <summary>True once a stop was requested.</summary>
    public bool StopRequested => StopReason is not null;
    /// <summary>The first reason given for stopping.</summary>
    public string? StopReason { get; private set; }
    /// <summary>A validation run is due after the current step.</summary>
    public bool ValidationRequested { get; private set; }
    /// <summary>A checkpoint is due after the current step.</summary>
    public bool CheckpointRequested { get; private set; }
    /// <summary>A signal (Ctrl-C, SIGTERM) asked the run to stop: the loop saves a checkpoint and stops after the current step.</summary>
    public bool InterruptRequested { get; private set; }
    /// <summary>The optimizer update of the current step should be skipped (gradients are dropped).</summary>
    public bool SkipStepRequested { get; private set; }

    /// <summary>Ask the loop to stop after the current step; the first reason is kept.</summary>
    public void RequestStop(string reason) => StopReason ??= reason;
    /// <summary>Ask for a validation run after the current step.</summary>
    public void RequestValidation() => ValidationRequested = true;
    /// <summary>Ask for a checkpoint after the current step.</summary>
    public void RequestCheckpoint() => CheckpointRequested = true;
    /// <summary>Ask the loop to save and stop after the current step, as a signal does.</summary>
    public void RequestInterrupt() => InterruptRequested = true;
    /// <summary>Ask to skip this step's optimizer update (valid from <c>BeforeOptimizerStep</c> handlers).</summary>
    public void RequestSkipStep() => SkipStepRequested = true;

    internal void ClearStepRequests() => SkipStepRequested = false;
    internal void ClearValidationRequest() => ValidationRequested = false;
    internal void ClearCheckpointRequest() => CheckpointRequested = false;
}
