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
    /// <summary>A checkpoint is due at the loop's next save point (see <see cref="RequestCheckpoint(string, double?)"/>).</summary>
    public bool CheckpointRequested => _checkpoints.Count > 0;
    /// <summary>The checkpoints asked for since the loop last saved, in request order (one per name).</summary>
    public IReadOnlyList<CheckpointRequest> CheckpointRequests => _checkpoints.AsReadOnly();
    /// <summary>A signal (Ctrl-C, SIGTERM) asked the run to stop: the loop saves a checkpoint and stops after the current step.</summary>
    public bool InterruptRequested { get; private set; }
    /// <summary>The optimizer update of the current step should be skipped (gradients are dropped).</summary>
    public bool SkipStepRequested { get; private set; }

    /// <summary>Ask the loop to stop after the current step; the first reason is kept.</summary>
    public void RequestStop(string reason) => StopReason ??= reason;
    /// <summary>Ask for a validation run after the current step.</summary>
    public void RequestValidation() => ValidationRequested = true;
    /// <summary>Ask for the <c>last</c> checkpoint after the current step.</summary>
    public void RequestCheckpoint() => RequestCheckpoint(CheckpointRequest.Last);

    /// <summary>
    /// Ask for a checkpoint named <paramref name="name"/> (a folder under the checkpoints directory) at the loop's next save
    /// point: right after the current validation and all its handlers, or after the current step. Named checkpoints are
    /// written before <c>last</c>. Asking twice for one name keeps the newer <paramref name="metric"/>.
    /// </summary>
    public void RequestCheckpoint(string name, double? metric = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.StartsWith('.') || name.IndexOfAny([.. Path.GetInvalidFileNameChars(), '/', '\\']) >= 0)
            throw new ArgumentException($"'{name}' is not a checkpoint name: use a plain folder name (names starting with '.' are the store's temporary folders).", nameof(name));
        _checkpoints.RemoveAll(r => r.Name == name);
        _checkpoints.Add(new CheckpointRequest(name, metric));
    }
    /// <summary>Ask the loop to save and stop after the current step, as a signal does.</summary>
    public void RequestInterrupt() => InterruptRequested = true;
    /// <summary>Ask to skip this step's optimizer update (valid from <c>BeforeOptimizerStep</c> handlers).</summary>
    public void RequestSkipStep() => SkipStepRequested = true;

    internal void ClearStepRequests() => SkipStepRequested = false;
    internal void ClearValidationRequest() => ValidationRequested = false;

    /// <summary>The pending checkpoint requests, which are then cleared: the loop serves each once.</summary>
    internal IReadOnlyList<CheckpointRequest> TakeCheckpointRequests()
    {
        var taken = _checkpoints.ToList();
        _checkpoints.Clear();
        return taken;
    }

    readonly List<CheckpointRequest> _checkpoints = [];
}
